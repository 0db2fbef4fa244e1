"""The credit ledger: append-only rows whose sum is the balance."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from db.tables.base import NEVER_REUSE_IDS, utcnow


class LedgerEntry(SQLModel, table=True):
    __tablename__ = "ledger_entries"
    __table_args__ = (Index("ix_ledger_user_id_id", "user_id", "id"), NEVER_REUSE_IDS)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    delta: int
    kind: str = Field(max_length=20)  # grant | purchase | hold | capture | release | adjustment | clawback | reinstate
    reason: str = Field(max_length=300)
    reference: str = Field(default="", max_length=100)
    idempotency_key: str = Field(max_length=120, unique=True)
    actor_id: int | None = None  # who made an adjustment (an admin); None when the system wrote the row
    created_at: datetime = Field(default_factory=utcnow)
