"""The retention sweep's records: its runs, with a count per rule as each rule ends, and the accounts nobody
signed in to for long enough to be warned."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, exists, func, update
from sqlmodel import col, select

from db.repositories.base import Repository
from db.tables import Erasure, RetentionRun, User

RUNNING, FINISHED, FAILED, INTERRUPTED = "running", "finished", "failed", "interrupted"
OPEN_ERASURE = ("scheduled", "running")
NOT_A_PERSON = "erased"  # an erased account's tombstone (db/repositories/erasure_rows.py)
# When the account was last used: its last sign-in, or its creation when it never signed in since.
LAST_SEEN = func.coalesce(col(User.last_sign_in_at), col(User.created_at))


class RetentionRunRepository(Repository):
    def start(self, trigger: str, actor_id: int | None, now: datetime) -> int:
        run = RetentionRun(started_at=now, trigger=trigger, actor_id=actor_id, counts={}, status=RUNNING)
        self.session.add(run)
        self.session.flush()
        assert run.id is not None
        return run.id

    def close_interrupted(self, now: datetime) -> int:
        """Runs a crash left running are closed as interrupted; their rules run again in the new run."""
        query = (
            update(RetentionRun).where(col(RetentionRun.status) == RUNNING).values(status=INTERRUPTED, finished_at=now)
        )
        return int(getattr(self.session.execute(query), "rowcount", 0) or 0)

    def record(self, run_id: int, rule: str, count: int) -> None:
        run = self._locked(run_id)
        run.counts = {**run.counts, rule: count}
        self.session.add(run)

    def record_failure(self, run_id: int, rule: str, error: str) -> None:
        run = self._locked(run_id)
        run.error = "; ".join(part for part in (run.error, f"{rule}: {error}") if part)[:200]
        self.session.add(run)

    def finish(self, run_id: int, now: datetime) -> RetentionRun:
        """Finished, or failed when a rule did; set even if another sweep marked it interrupted meanwhile."""
        run = self._locked(run_id)
        run.status, run.finished_at = (FAILED if run.error else FINISHED), now
        self.session.add(run)
        self.session.flush()
        return run

    def recent(self, limit: int) -> list[RetentionRun]:
        query = select(RetentionRun).order_by(col(RetentionRun.id).desc()).limit(limit)
        return list(self.session.exec(query).all())

    def forget_actor(self, user_id: int) -> int:
        """An erased admin's id is cleared from the runs they started; the runs stay."""
        query = update(RetentionRun).where(col(RetentionRun.actor_id) == user_id).values(actor_id=None)
        return int(getattr(self.session.execute(query), "rowcount", 0) or 0)

    def _locked(self, run_id: int) -> RetentionRun:
        run = self.session.exec(select(RetentionRun).where(RetentionRun.id == run_id).with_for_update()).one()
        return run


class InactiveAccountRepository(Repository):
    def inactive_ids(self, cutoff: datetime, limit: int) -> list[int]:
        """People last seen at or before `cutoff` with no erasure ahead or under way, oldest first."""
        query = (
            select(User.id)
            .where(col(User.role) != NOT_A_PERSON, LAST_SEEN <= cutoff, ~_erasure_open())
            .order_by(LAST_SEEN, col(User.id))
            .limit(limit)
        )
        return [user_id for user_id in self.session.exec(query).all() if user_id is not None]

    def lock_if_inactive(self, user_id: int, cutoff: datetime) -> User | None:
        """The account, locked, if it is still unused since `cutoff`: a sign-in committing meanwhile (it updates
        this row) is seen, and one that starts now waits for this transaction and then cancels its erasure."""
        query = select(User).where(col(User.id) == user_id, col(User.role) != NOT_A_PERSON, LAST_SEEN <= cutoff)
        return self.session.exec(query.with_for_update()).first()

    def other_admins_staying(self, user_id: int) -> int:
        """Admins besides this one with no erasure ahead: who would be left if this one went."""
        query = (
            select(func.count())
            .select_from(User)
            .where(col(User.role) == "admin", col(User.id) != user_id, ~_erasure_open())
        )
        return int(self.session.exec(query).one())


def _erasure_open() -> ColumnElement[bool]:
    return exists().where(col(Erasure.user_id) == col(User.id), col(Erasure.status).in_(OPEN_ERASURE))
