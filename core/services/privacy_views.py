"""What the privacy centre and the admin's request queue show: holdings by category, consent changes, requests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.domain.privacy import Purpose
from core.domain.privacy_requests import is_open
from core.personal_data import CATEGORY_TITLES, Category, PersonalData
from db.tables import ConsentRecord, PrivacyRequest

PURPOSE_TITLES = {
    Purpose.TRAINING: "Use my images to train models",
    Purpose.ANALYTICS: "Analytics of my usage",
    Purpose.PRODUCT_EMAIL: "Product emails",
    Purpose.HUMAN_REVIEW: "A person reviews every automated safety block",
    Purpose.RESTRICTION: "Restrict processing",
}
KIND_TITLES = {
    "access": "Access",
    "rectification": "Correction",
    "erasure": "Erasure",
    "restriction": "Restriction",
    "objection": "Objection",
    "review": "Human review",
    "other": "Other",
}
STATUS_TITLES = {
    "received": "Received",
    "in_progress": "In progress",
    "extended": "Extended",
    "completed": "Completed",
    "denied": "Denied",
    "canceled": "Canceled",
}


@dataclass(frozen=True)
class Holding:
    """One category of what we hold about a user."""

    category: Category
    title: str
    count: int
    holds: tuple[str, ...]
    region: str
    processors: tuple[str, ...]
    items: tuple[tuple[str, int], ...] = ()  # each counted store: what it holds, and how many rows or files


@dataclass(frozen=True)
class ConsentChange:
    purpose: Purpose
    title: str
    granted: bool
    policy_version: str
    source: str
    at: datetime


@dataclass(frozen=True)
class RequestView:
    id: int
    reference: str
    kind: str  # a RequestKind value
    kind_title: str
    what: str  # one line on what was asked ("Objected to analytics"); the user's words are in `detail`
    status: str  # a RequestStatus value
    status_title: str
    detail: str
    answer: str
    received_at: datetime
    completed_at: datetime | None
    user_id: int | None  # None once the account is erased
    due_at: datetime | None = None
    urgent: bool = False
    channel: str = "self_service"
    extended_at: datetime | None = None
    extension_reason: str = ""  # the user reads it
    original_due_at: datetime | None = None  # the due date before any extension
    artifact: str = ""  # an erasure's reference, a stored export's reference, ...

    @property
    def open(self) -> bool:
        return is_open(self.status)


@dataclass(frozen=True)
class RequestDetail:
    """A request as an admin opens it: with the address of the person who asked, to reply or check."""

    request: RequestView
    email: str  # "" once the account is erased


def holdings(entries: list[PersonalData], counts: dict[str, int], region: str) -> list[Holding]:
    """The categories in their order, each with the sum of its entries' counts (`counts` by store)."""
    found: list[Holding] = []
    for category in Category:
        mine = [e for e in entries if e.category == category]
        if not mine:
            continue
        processors = tuple(dict.fromkeys(p for e in mine for p in e.processors))
        found.append(
            Holding(
                category,
                CATEGORY_TITLES[category],
                sum(counts.get(e.store, 0) for e in mine),
                tuple(dict.fromkeys(e.holds for e in mine if e.holds)),
                region,
                processors,
                tuple((e.holds, counts.get(e.store, 0)) for e in mine if e.count is not None),
            )
        )
    return found


def consent_change(record: ConsentRecord) -> ConsentChange:
    purpose = Purpose(record.purpose)
    return ConsentChange(
        purpose, PURPOSE_TITLES[purpose], record.granted, record.policy_version, record.source, record.created_at
    )


def request_view(row: PrivacyRequest) -> RequestView:
    assert row.id is not None
    return RequestView(
        id=row.id,
        reference=row.reference,
        kind=row.kind,
        kind_title=KIND_TITLES.get(row.kind, row.kind),
        what=_what(row),
        status=row.status,
        status_title=STATUS_TITLES.get(row.status, row.status),
        detail=row.detail,
        answer=row.answer,
        received_at=row.received_at,
        completed_at=row.completed_at,
        user_id=row.user_id,
        due_at=row.due_at,
        urgent=row.urgent,
        channel=row.channel,
        extended_at=row.extended_at,
        extension_reason=row.extension_reason,
        original_due_at=row.first_due_at or row.due_at,
        artifact=row.artifact,
    )


def switch_artifact(purpose: Purpose, granted: bool) -> str:
    """What a switch's request records in its artifact: which switch, and which way."""
    return f"{purpose.value}:{'on' if granted else 'off'}"


def _what(row: PrivacyRequest) -> str:
    said = {
        "analytics:off": "Objected to analytics of my usage",
        "product_email:off": "Objected to product emails",
        "restriction:on": "Restricted processing of my data",
        "restriction:off": "Lifted the restriction of processing",
    }.get(row.artifact)
    if said:
        return said
    if row.kind == "rectification":
        return "Asked for a correction"
    return KIND_TITLES.get(row.kind, row.kind)
