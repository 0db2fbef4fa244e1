"""Collections (boards): named sets of a user's images. An image may be in several; deleting a collection
keeps its images."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.tables.base import NEVER_REUSE_IDS, utcnow


class Collection(SQLModel, table=True):
    __tablename__ = "collections"
    __table_args__ = (UniqueConstraint("user_id", "name_key", name="uq_collections_user_id_name_key"), NEVER_REUSE_IDS)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    name: str = Field(max_length=60)
    name_key: str = Field(max_length=60)  # the name folded to lower case: "Cats" and "cats" are one collection
    created_at: datetime = Field(default_factory=utcnow)


class CollectionImage(SQLModel, table=True):
    __tablename__ = "collection_images"
    __table_args__ = (Index("ix_collection_images_image_id", "image_id"),)

    collection_id: int = Field(foreign_key="collections.id", primary_key=True, ondelete="CASCADE")
    image_id: int = Field(foreign_key="images.id", primary_key=True, ondelete="CASCADE")
    added_at: datetime = Field(default_factory=utcnow)
