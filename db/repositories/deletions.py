"""The deletion outbox: deletions owed to other systems, written in the transaction that deleted what named them,
and their outcomes: a deletion carried out leaves the outbox; a failed one is tried again later."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, insert, update
from sqlmodel import col, select

from db.repositories.base import Repository
from db.tables import PendingDeletion


class DeletionRepository(Repository):
    def add_many(self, kind: str, targets: Sequence[str], erasure: str, now: datetime) -> None:
        """Owe the deletions in one statement (an erasure owes thousands of files)."""
        if targets:
            rows = [
                {"kind": kind, "target": t, "erasure": erasure, "attempts": 0, "last_error": "",
                 "next_attempt_at": now, "created_at": now}
                for t in targets
            ]  # fmt: skip
            self.session.execute(insert(PendingDeletion), rows)

    def due(self, now: datetime, limit: int) -> list[PendingDeletion]:
        query = (
            select(PendingDeletion)
            .where(col(PendingDeletion.next_attempt_at) <= now)
            .order_by(col(PendingDeletion.next_attempt_at), col(PendingDeletion.id))
            .limit(limit)
        )
        return list(self.session.exec(query).all())

    def done(self, deletion_ids: list[int]) -> None:
        if deletion_ids:
            self.session.execute(delete(PendingDeletion).where(col(PendingDeletion.id).in_(deletion_ids)))

    def failed(self, deletion_id: int, error: str, next_attempt_at: datetime) -> None:
        self.session.execute(
            update(PendingDeletion)
            .where(col(PendingDeletion.id) == deletion_id)
            .values(attempts=PendingDeletion.attempts + 1, last_error=error[:200], next_attempt_at=next_attempt_at)
        )

    def still_owed(self) -> tuple[int, int]:
        """How many deletions are owed, and how many of them have failed at least once."""
        total = self.session.exec(select(func.count()).select_from(PendingDeletion)).one()
        failing = self.session.exec(
            select(func.count()).select_from(PendingDeletion).where(col(PendingDeletion.attempts) > 0)
        ).one()
        return int(total), int(failing)
