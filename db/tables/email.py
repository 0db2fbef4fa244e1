"""The email outbox: every message, written in the transaction that caused it and sent by the worker."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from db.tables.base import NEVER_REUSE_IDS, utcnow


class OutboxMessage(SQLModel, table=True):
    """One email. `key` names its cause (`request_received:<reference>`), so a cause queues it once."""

    __tablename__ = "email_outbox"
    __table_args__ = (
        Index("ix_email_outbox_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_email_outbox_user_id_id", "user_id", "id"),
        NEVER_REUSE_IDS,
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=120, unique=True)
    user_id: int | None = Field(default=None, foreign_key="users.id")  # None: the account is erased
    recipient: str = Field(max_length=320)
    kind: str = Field(max_length=30)  # core.domain.email.MessageKind
    purpose: str = Field(max_length=10)  # core.domain.email.MessagePurpose
    subject: str = Field(max_length=200)
    body: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="queued", max_length=20)  # queued | sending | sent | kept | failed
    attempts: int = 0
    last_error: str = Field(default="", max_length=200)
    next_attempt_at: datetime = Field(default_factory=utcnow)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
