"""Drafts: the Generate page's prompt and settings kept per user, so a reload or a new tab starts where they were."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from db.tables.base import utcnow


class GenerateDraft(SQLModel, table=True):
    __tablename__ = "drafts"

    user_id: int = Field(foreign_key="users.id", primary_key=True)
    # What the page wrote (core.domain.studio_draft.StudioDraft.to_json); read back only through its parser.
    data: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)
