"""The deletion outbox's outcomes: a deletion carried out leaves the outbox; a failed one is tried again later."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, insert, update
from sqlmodel import col, select

from db.repositories.base import Repository
from db.tables import PendingDeletion


class DeletionAttemptRepository(Repository):
    def add_many(self, kind: str, targets: list[str], erasure: str, now: datetime) -> None:
        """Owe many deletions in one statement (an erasure owes thousands of files)."""
        if targets:
            rows = [
                {"kind": kind, "target": t, "erasure": erasure, "attempts": 0, "last_error": "",
                 "next_attempt_at": now, "created_at": now}
                for t in targets
            ]  # fmt: skip
            self.session.execute(insert(PendingDeletion), rows)

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
