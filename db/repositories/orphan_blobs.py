"""Blobs no row names: which listed keys a row does name (images, withheld images), and the orphans a sweep saw,
with when it first saw each."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import col, or_, select

from db.repositories.base import Repository
from db.repositories.inserts import insert_once
from db.tables import Image, OrphanBlob, SafetyReview, StoredExport


class OrphanBlobRepository(Repository):
    def named_images(self, keys: Collection[str]) -> set[str]:
        """Those of `keys` an image row names as its file, thumbnail or preview."""
        wanted = sorted(keys)
        query = select(Image.blob_key, Image.thumb_key, Image.preview_key).where(
            or_(
                col(Image.blob_key).in_(wanted),
                col(Image.thumb_key).in_(wanted),
                col(Image.preview_key).in_(wanted),
            )
        )
        return {key for row in self.session.exec(query).all() for key in row if key is not None and key in keys}

    def named_withheld(self, keys: Collection[str]) -> set[str]:
        """Those of `keys` a withheld image awaiting review still names."""
        query = select(SafetyReview.blob_key).where(col(SafetyReview.blob_key).in_(sorted(keys)))
        return set(self.session.exec(query).all())

    def named_exports(self, keys: Collection[str]) -> set[str]:
        """Those of `keys` a stored export names as its file."""
        query = select(StoredExport.blob_key).where(col(StoredExport.blob_key).in_(sorted(keys)))
        return set(self.session.exec(query).all())

    def seen(self, store: str) -> dict[str, datetime]:
        """Every orphan of the store a sweep saw, with when it was first seen."""
        query = select(OrphanBlob.key, OrphanBlob.first_seen_at).where(OrphanBlob.store == store)
        return dict(self.session.exec(query).all())

    def add(self, store: str, key: str, now: datetime) -> bool:
        return insert_once(self.session, OrphanBlob(store=store, key=key, first_seen_at=now))

    def forget_prefix(self, prefix: str) -> int:
        """Every noted orphan under `prefix` in any store (an erased user's "u<id>/"): its name goes with them."""
        query = delete(OrphanBlob).where(col(OrphanBlob.key).startswith(prefix, autoescape=True))
        return int(getattr(self.session.execute(query), "rowcount", 0) or 0)

    def forget(self, store: str, keys: Collection[str]) -> None:
        if keys:
            query = delete(OrphanBlob).where(col(OrphanBlob.store) == store, col(OrphanBlob.key).in_(sorted(keys)))
            self.session.execute(query)
