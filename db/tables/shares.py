"""Shares: public links to single images, made by their owner (opt-in), revocable at any time.

The token is stored as it is, not as a hash: the owner must be able to copy the link again later (in the image
view and the privacy centre), and a hash cannot give it back. A token grants only what its owner chose to
publish: one image at the share's size, and its prompt only when shared with it. Whoever can read this table
can already read the prompts and the images' keys beside it, so a hash would protect little and cost the
owner their link. A revoked share keeps its row (with `revoked_at`), so its token is never handed out again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from db.tables.base import NEVER_REUSE_IDS, utcnow


class Share(SQLModel, table=True):
    __tablename__ = "shares"
    __table_args__ = (
        Index("ix_shares_user_id_id", "user_id", "id"),
        Index("ix_shares_image_id", "image_id"),
        NEVER_REUSE_IDS,
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    # Deleting the image deletes its shares with it (the foreign key's cascade): its link answers 404 at once.
    image_id: int = Field(foreign_key="images.id", ondelete="CASCADE")
    token: str = Field(max_length=64, unique=True, index=True)  # secrets.token_urlsafe: the link's only secret
    with_prompt: bool = False
    size: int  # the longest side the public copy is served at (never larger than the original)
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None
