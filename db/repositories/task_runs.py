"""Periodic tasks' claims: a conditional UPDATE of the task's one row takes its period, so across the whole fleet
exactly one worker runs each task once per period."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, update
from sqlmodel import col, select

from db.repositories.base import Repository
from db.repositories.inserts import insert_once
from db.tables import TaskRun


class TaskRunRepository(Repository):
    def claim(self, name: str, period: int, owner: str, now: datetime, stale_before: datetime) -> bool:
        """Take `period` of the task unless some worker already took it (or a later one), or a run claimed after
        `stale_before` is still going (runs never overlap; one whose worker died is taken over); True when taken."""
        insert_once(self.session, TaskRun(name=name, period=-1))
        idle = or_(
            col(TaskRun.finished_at).is_not(None),
            col(TaskRun.claimed_at).is_(None),
            col(TaskRun.claimed_at) < stale_before,
        )
        statement = (
            update(TaskRun)
            .where(col(TaskRun.name) == name, col(TaskRun.period) < period, idle)
            .values(period=period, owner=owner, claimed_at=now, finished_at=None, runs=col(TaskRun.runs) + 1)
        )
        return self.session.execute(statement).rowcount == 1  # type: ignore[attr-defined, no-any-return]

    def finish(self, name: str, period: int, owner: str, now: datetime) -> None:
        self.session.execute(
            update(TaskRun)
            .where(col(TaskRun.name) == name, col(TaskRun.period) == period, col(TaskRun.owner) == owner)
            .values(finished_at=now)
        )

    def give_back(self, name: str, period: int, owner: str, now: datetime) -> None:
        """The run failed: the period may be taken again (by any worker, after its retry wait)."""
        self.session.execute(
            update(TaskRun)
            .where(col(TaskRun.name) == name, col(TaskRun.period) == period, col(TaskRun.owner) == owner)
            .values(period=period - 1, finished_at=now, runs=col(TaskRun.runs) - 1)
        )

    def all(self) -> list[TaskRun]:
        return list(self.session.exec(select(TaskRun).order_by(col(TaskRun.name))).all())
