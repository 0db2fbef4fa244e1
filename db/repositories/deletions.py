"""The deletion outbox: deletions owed to other systems, written in the transaction that deleted what named them."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select

from db.repositories.base import Repository
from db.tables import PendingDeletion


class DeletionRepository(Repository):
    def add(self, kind: str, target: str, erasure: str, now: datetime) -> None:
        self.session.add(
            PendingDeletion(kind=kind, target=target, erasure=erasure, next_attempt_at=now, created_at=now)
        )

    def due(self, now: datetime, limit: int) -> list[PendingDeletion]:
        query = (
            select(PendingDeletion)
            .where(col(PendingDeletion.next_attempt_at) <= now)
            .order_by(col(PendingDeletion.next_attempt_at), col(PendingDeletion.id))
            .limit(limit)
        )
        return list(self.session.exec(query).all())
