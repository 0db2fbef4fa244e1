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
    subject: str
    details: str
