"""Policy versions: each publication of a document's version (its announcement and effective date), and each
user's acknowledgement of an announced change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.tables.base import NEVER_REUSE_IDS, utcnow


class PolicyPublication(SQLModel, table=True):
    """A version of a document (a file in POLICIES_DIR) published to take effect at `effective_at`. A material
    one is announced by email to every user, in batches: `announced_to` is the last user id reached, so a crash
    resumes where it stopped; `announcement_done_at` is set once every user was reached."""

    __tablename__ = "policy_publications"
    __table_args__ = (
        UniqueConstraint("document", "version", name="uq_policy_publications_document_version"),
        Index("ix_policy_publications_document_effective_at", "document", "effective_at"),
        NEVER_REUSE_IDS,
    )

    id: int | None = Field(default=None, primary_key=True)
    document: str = Field(max_length=40)
    version: str = Field(max_length=20)
    announced_at: datetime = Field(default_factory=utcnow)
    effective_at: datetime
    material: bool
    published_by: int | None = Field(default=None, foreign_key="users.id")  # None once that admin is erased
    announced_to: int = 0
    announcement_done_at: datetime | None = None


class PolicyAcknowledgement(SQLModel, table=True):
    """A user read the announcement of a version and said OK: the notice is no longer shown to them."""

    __tablename__ = "policy_acknowledgements"
    __table_args__ = (
        UniqueConstraint("user_id", "document", "version", name="uq_policy_acknowledgements_user_document_version"),
        NEVER_REUSE_IDS,
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    document: str = Field(max_length=40)
    version: str = Field(max_length=20)
    acknowledged_at: datetime = Field(default_factory=utcnow)
