"""The retention sweep: each run with its count per rule, and the blobs it found with no row naming them, kept
until a later sweep confirms they are still orphaned."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.tables.base import NEVER_REUSE_IDS, utcnow


class RetentionRun(SQLModel, table=True):
    """One sweep: every rule once, its counts recorded as each rule ends, so a crash keeps what was done."""

    __tablename__ = "retention_runs"
    __table_args__ = (Index("ix_retention_runs_status_id", "status", "id"), NEVER_REUSE_IDS)

    id: int | None = Field(default=None, primary_key=True)
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    trigger: str = Field(max_length=10)  # schedule | admin
    actor_id: int | None = Field(default=None, foreign_key="users.id")  # the admin who ran it by hand
    counts: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))  # by rule
    status: str = Field(default="running", max_length=20)  # running | finished | failed | interrupted
    error: str = Field(default="", max_length=200)  # "<rule>: <exception type>" of each rule that failed


class OrphanBlob(SQLModel, table=True):
    """A blob no row named when a sweep listed its store. Deleted by a sweep at least an hour later if still
    orphaned: a blob is written before its row commits, so a young orphan may be a row on its way."""

    __tablename__ = "retention_orphans"
    __table_args__ = (UniqueConstraint("store", "key", name="uq_retention_orphans_store_key"), NEVER_REUSE_IDS)

    id: int | None = Field(default=None, primary_key=True)
    store: str = Field(max_length=20)  # media | withheld
    key: str = Field(max_length=300)
    first_seen_at: datetime = Field(default_factory=utcnow)
