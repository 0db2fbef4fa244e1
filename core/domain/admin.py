"""The admin console's read models and filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from core.domain.accounts import Role


@dataclass(frozen=True)
class AdminUserRow:
    id: int
    email: str
    display_name: str
    role: Role
    balance: int
    image_count: int
    last_sign_in_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class AuditFilter:
    actor_id: int | None = None
    action: str = ""
    since: date | None = None  # inclusive, UTC days
    until: date | None = None  # inclusive


@dataclass(frozen=True)
class AuditEntryView:
    id: int
    created_at: datetime
    actor: str  # the actor's email, "system", or "user #12 (deleted)"
    action: str
    subject: str  # as stored: "user:12", "audit_log" (the CSV keeps it)
    details: str  # as stored: JSON (the CSV keeps it)
    subject_shown: str = ""  # for people: a user's current email, "user #12 (deleted)", or the subject itself
    details_shown: tuple[tuple[str, str], ...] = ()  # for people: (key, value), a nested key as "filters.action"
