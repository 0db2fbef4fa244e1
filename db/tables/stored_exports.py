"""Exports an admin ran for a user (an access request received by email or post): the ZIP waits in the blob store
under `exports/<reference>.zip` until the user downloads it from their privacy centre, and the retention sweep
deletes it after EXPORT_RETENTION_DAYS."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index
from sqlmodel import Field, SQLModel

from db.tables.base import NEVER_REUSE_IDS, utcnow


class StoredExport(SQLModel, table=True):
    __tablename__ = "stored_exports"
    __table_args__ = (
        Index("ix_stored_exports_user_id_id", "user_id", "id"),
        Index("ix_stored_exports_expires_at", "expires_at"),
        NEVER_REUSE_IDS,
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    request_id: int | None = None  # the privacy request it answers (no key: the request may be pseudonymised)
    reference: str = Field(max_length=32, unique=True)  # the request's reference: what the user quotes
    blob_key: str = Field(max_length=200)  # exports/<reference>.zip
    size_bytes: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
