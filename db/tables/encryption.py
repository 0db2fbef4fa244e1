"""Key rotations: one row per pass of the rotation that moves every stored blob under the current encryption key."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from db.tables.base import NEVER_REUSE_IDS, utcnow


class KeyRotation(SQLModel, table=True):
    """A pass: which key it moved blobs to, its counts so far, and when it finished (None: running, or cut short)."""

    __tablename__ = "key_rotations"
    __table_args__ = (NEVER_REUSE_IDS,)

    id: int | None = Field(default=None, primary_key=True)
    current_key: str = Field(max_length=64)  # the KEK's id from ENCRYPTION_KEYS, never the key
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    already: int = 0  # blobs found under the current key
    rewrapped: int = 0  # blobs under a retired key whose data key was re-wrapped
    encrypted: int = 0  # plaintext blobs from before encryption, encrypted
    failed: int = 0  # blobs that could not be moved (altered, or under a key no longer configured)
