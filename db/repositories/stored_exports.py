"""Stored exports: the ZIPs an admin ran for a user, waiting in the blob store for the user to download them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import col, select

from db.repositories.base import Repository
from db.tables import StoredExport


class StoredExportRepository(Repository):
    def add(self, row: StoredExport) -> StoredExport:
        self.session.add(row)
        self.session.flush()
        return row

    def for_user(self, user_id: int, now: datetime) -> list[StoredExport]:
        """The user's exports that have not expired, newest first."""
        query = (
            select(StoredExport)
            .where(col(StoredExport.user_id) == user_id, col(StoredExport.expires_at) > now)
            .order_by(col(StoredExport.id).desc())
        )
        return list(self.session.exec(query).all())

    def owned(self, reference: str, user_id: int, now: datetime) -> StoredExport | None:
        """The export under `reference` if it is this user's and has not expired: nobody else's is ever found."""
        query = select(StoredExport).where(
            col(StoredExport.reference) == reference,
            col(StoredExport.user_id) == user_id,
            col(StoredExport.expires_at) > now,
        )
        return self.session.exec(query).first()

    def expired(self, now: datetime, limit: int) -> list[StoredExport]:
        query = select(StoredExport).where(col(StoredExport.expires_at) <= now).order_by(col(StoredExport.id))
        return list(self.session.exec(query.limit(limit)).all())

    def blob_keys(self, user_id: int) -> list[str]:
        query = select(StoredExport.blob_key).where(col(StoredExport.user_id) == user_id)
        return list(self.session.exec(query).all())

    def delete(self, ids: Sequence[int]) -> int:
        result = self.session.execute(delete(StoredExport).where(col(StoredExport.id).in_(ids)))
        return int(getattr(result, "rowcount", 0) or 0)
