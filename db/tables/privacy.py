"""Privacy: consent records with their history, privacy requests, account erasures with their receipts, the
outbox of deletions still owed to other systems, and images withheld by the safety check awaiting review."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field, SQLModel

from db.tables.base import NEVER_REUSE_IDS, utcnow


class ConsentRecord(SQLModel, table=True):
    """One change of one choice. The current value of a purpose is its newest record; none means the default."""

    __tablename__ = "consents"
    __table_args__ = (Index("ix_consents_user_id_purpose_id", "user_id", "purpose", "id"), NEVER_REUSE_IDS)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    purpose: str = Field(max_length=30)  # core.domain.privacy.Purpose
    granted: bool
    policy_version: str = Field(max_length=20)
    source: str = Field(max_length=20)  # privacy_centre | admin | sign_up
    created_at: datetime = Field(default_factory=utcnow)


class PrivacyRequest(SQLModel, table=True):
    """A right exercised: self-service ones are completed at once and recorded all the same."""

    __tablename__ = "privacy_requests"
    __table_args__ = (
        Index("ix_privacy_requests_user_id_id", "user_id", "id"),
        Index("ix_privacy_requests_status_due_at", "status", "due_at"),  # the admin's queue, soonest due first
        NEVER_REUSE_IDS,
    )

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=32, unique=True)  # random: what the user quotes
    user_id: int | None = Field(default=None, foreign_key="users.id")  # None once the account is erased
    kind: str = Field(max_length=20)  # access | rectification | erasure | restriction | objection | review | other
    status: str = Field(max_length=20)  # received | in_progress | extended | completed | denied | canceled
    channel: str = Field(default="self_service", max_length=20)  # self_service | email | post
    detail: str = Field(default="", sa_column=Column(Text, nullable=False))  # the user's own words
    answer: str = Field(default="", sa_column=Column(Text, nullable=False))
    handler_id: int | None = None  # the admin who answered
    artifact: str = Field(default="", max_length=100)  # an erasure receipt's reference, ...
    received_at: datetime = Field(default_factory=utcnow)
    due_at: datetime | None = None  # always set (core/domain/privacy_requests.py); received_at for self-service
    completed_at: datetime | None = None
    urgent: bool = False  # a security matter: due in PRIVACY_URGENT_HOURS
    first_due_at: datetime | None = None  # the original due date, kept once an extension moves due_at
    extended_at: datetime | None = None
    extension_reason: str = Field(default="", max_length=300)  # the user reads it


class Erasure(SQLModel, table=True):
    """An account's erasure: scheduled with a grace period, then every handler of the personal-data map, one
    transaction each, recorded in `done` so a crash resumes where it stopped. Once finished it holds no personal
    data (user_id is cleared) and stays as the receipt, under its random reference."""

    __tablename__ = "erasures"
    __table_args__ = (Index("ix_erasures_status_erase_after", "status", "erase_after"), NEVER_REUSE_IDS)

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=32, unique=True)
    user_id: int | None = Field(default=None, foreign_key="users.id")
    status: str = Field(max_length=20)  # scheduled | running | finished | canceled
    cause: str = Field(default="requested", max_length=20)  # requested | inactive | staff
    requested_at: datetime = Field(default_factory=utcnow)
    erase_after: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    done: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # handlers run
    counts: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))  # by store


class PendingDeletion(SQLModel, table=True):
    """A deletion owed to another system (a blob, an engine's stored payloads), written in the transaction that
    deleted the rows naming it, and retried by the worker until it is done. No personal data."""

    __tablename__ = "deletion_outbox"
    __table_args__ = (Index("ix_deletion_outbox_next_attempt_at", "next_attempt_at"), NEVER_REUSE_IDS)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)  # blob | withheld | engine
    target: str = Field(max_length=300)  # the blob key, or the engine's request id
    erasure: str = Field(default="", max_length=32)  # the erasure's reference, when one wrote it
    attempts: int = 0
    last_error: str = Field(default="", max_length=200)
    next_attempt_at: datetime = Field(default_factory=utcnow)
    created_at: datetime = Field(default_factory=utcnow)


class SafetyReview(SQLModel, table=True):
    """An image the engine's automated safety check withheld, kept in the withheld store until a person has
    reviewed it (or the user let the block stand)."""

    __tablename__ = "safety_reviews"
    __table_args__ = (
        Index("ix_safety_reviews_user_id_id", "user_id", "id"),
        Index("ix_safety_reviews_status_id", "status", "id"),
        NEVER_REUSE_IDS,
    )

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=32, unique=True)
    user_id: int = Field(foreign_key="users.id")
    generation_id: str = Field(foreign_key="generations.id", max_length=64)
    position: int = 0
    blob_key: str = Field(default="", max_length=200)  # in the withheld store; "" once decided
    content_type: str = Field(default="", max_length=50)
    seed: int | None = None
    status: str = Field(max_length=20)  # withheld | pending | released | blocked
    requested_at: datetime | None = None
    reviewer_id: int | None = None
    decided_at: datetime | None = None
    image_id: int | None = None  # the gallery image a release made
    created_at: datetime = Field(default_factory=utcnow)
