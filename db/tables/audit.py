"""The audit log: append-only. The database refuses UPDATE and DELETE on it (triggers in migration 0003)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from db.tables.base import NEVER_REUSE_IDS, utcnow


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_actor_id_id", "actor_id", "id"),
        Index("ix_audit_log_action_id", "action", "id"),
        NEVER_REUSE_IDS,
    )

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int | None = None  # None: the system (for example a promotion from ADMIN_EMAILS)
    action: str = Field(max_length=60)
    subject: str = Field(default="", max_length=100)  # what was acted on, by id: "user:12"
    details: str = Field(default="{}", sa_column=Column(Text, nullable=False))  # JSON
    created_at: datetime = Field(default_factory=utcnow, index=True)
