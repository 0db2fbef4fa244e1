"""Account erasures: the scheduled ones, the due ones, their progress (which handlers ran, with their counts) and
their receipts, read by the random reference the user quotes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select

from db.repositories.base import Repository
from db.tables import Erasure, PendingDeletion

SCHEDULED, RUNNING, FINISHED, CANCELED = "scheduled", "running", "finished", "canceled"
REQUESTED, INACTIVE, STAFF = "requested", "inactive", "staff"  # an erasure's cause


class ErasureRepository(Repository):
    def add(self, erasure: Erasure) -> Erasure:
        self.session.add(erasure)
        self.session.flush()
        return erasure

    def by_reference(self, reference: str, *, lock: bool = False) -> Erasure | None:
        query = select(Erasure).where(Erasure.reference == reference)
        return self.session.exec(query.with_for_update() if lock else query).first()

    def open_for_user(self, user_id: int) -> Erasure | None:
        """The user's erasure still ahead (scheduled) or under way (running), if any."""
        query = select(Erasure).where(Erasure.user_id == user_id, col(Erasure.status).in_((SCHEDULED, RUNNING)))
        return self.session.exec(query.order_by(col(Erasure.id).desc())).first()

    def cancel_inactive(self, user_id: int, now: datetime) -> int:
        """A sign-in keeps the account: an erasure scheduled for its inactivity (and only that cause) is canceled."""
        query = (
            update(Erasure)
            .where(col(Erasure.user_id) == user_id, col(Erasure.status) == SCHEDULED, col(Erasure.cause) == INACTIVE)
            .values(status=CANCELED, finished_at=now)
        )
        return int(getattr(self.session.execute(query), "rowcount", 0) or 0)

    def due_references(self, now: datetime, limit: int) -> list[str]:
        """Scheduled erasures past their grace period, and running ones a crash left halfway, oldest first."""
        query = (
            select(Erasure.reference)
            .where(
                (col(Erasure.status) == RUNNING)
                | ((col(Erasure.status) == SCHEDULED) & (col(Erasure.erase_after) <= now))
            )
            .order_by(col(Erasure.id))
            .limit(limit)
        )
        return list(self.session.exec(query).all())

    def record_step(self, reference: str, store: str, count: int) -> None:
        """Mark one handler done with its count, in the handler's own transaction."""
        erasure = self.by_reference(reference, lock=True)
        assert erasure is not None
        erasure.done = [*erasure.done, store]
        # Added, not set: a sweep repeated after a failure finds what was left, and the receipt sums both.
        erasure.counts = {**erasure.counts, store: erasure.counts.get(store, 0) + count}
        self.session.add(erasure)

    def detach_others(self, user_id: int, reference: str) -> int:
        """Earlier erasures of the user (canceled ones) go: they are the user's history, not a receipt."""
        rows = list(
            self.session.exec(select(Erasure).where(Erasure.user_id == user_id, Erasure.reference != reference))
        )
        for row in rows:
            self.session.delete(row)
        return len(rows)

    def owed(self, reference: str) -> int:
        """Deletions this erasure wrote to the outbox that are not yet carried out."""
        query = select(PendingDeletion.id).where(PendingDeletion.erasure == reference)
        return len(self.session.exec(query).all())

    def restart_sweep(self, reference: str) -> None:
        """After a failed step: the next run goes through every handler again (each is idempotent), so rows
        added meanwhile (a job that ended during the erasure) are found too."""
        self.session.execute(update(Erasure).where(col(Erasure.reference) == reference).values(done=[]))

    def finish(self, erasure: Erasure, now: datetime) -> None:
        """The erasure names no one from here on: done before the account's row is deleted, in that transaction."""
        erasure.status, erasure.user_id, erasure.finished_at = FINISHED, None, now
        self.session.add(erasure)
        self.session.flush()
