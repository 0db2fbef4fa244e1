"""Periodic tasks, once per period across the whole fleet: before a task runs, its worker takes the period in the
task's row (db/repositories/task_runs.py) with a conditional UPDATE; any other worker finds it taken and skips.
A failed run gives its period back, so another try comes after a short wait instead of a whole period."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import timedelta

from core.container import Container
from core.logs import log_failure
from core.registry import PeriodicTask
from db.repositories.task_runs import TaskRunRepository

log = logging.getLogger(__name__)
RETRY_AFTER_FAILURE_SECONDS = 5.0  # a task that failed (the database briefly away) is tried again this soon
STALE_RUN_SECONDS = 120.0  # a run claimed this long ago (times three of its interval) whose worker died is taken over


class FleetTasks:
    def __init__(self, container: Container, tasks: Sequence[PeriodicTask], owner: str) -> None:
        self.c, self.tasks, self.owner = container, list(tasks), owner
        self._next_try = [0.0] * len(self.tasks)  # monotonic: when this worker next asks for each task's period

    def run_due(self) -> float:
        """Run every task whose current period nobody took yet; the seconds until one may be due again."""
        for index, task in enumerate(self.tasks):
            if time.monotonic() >= self._next_try[index]:
                self._next_try[index] = time.monotonic() + self._run(task)
        return max(min((t - time.monotonic() for t in self._next_try), default=60.0), 0.0)

    def _run(self, task: PeriodicTask) -> float:
        """Claim this period of the task and run it; the seconds until this worker asks again."""
        try:
            every = task.every(self.c.settings)
            now = self.c.clock()
            period = int(now.timestamp() // every)
            stale = now - timedelta(seconds=max(STALE_RUN_SECONDS, 3 * every))
            with self.c.db.uow() as uow:
                taken = uow.of(TaskRunRepository).claim(task.name, period, self.owner, now, stale)
                uow.commit()
        except Exception as exc:
            log_failure(log, f"Background task {task.name!r} could not be claimed", exc)
            return RETRY_AFTER_FAILURE_SECONDS
        until_next = (period + 1) * every - now.timestamp()
        if not taken:
            return max(until_next, 0.05)  # another worker has this period
        try:
            done = task.run(self.c)
        except Exception as exc:
            log_failure(log, f"Background task {task.name!r} failed", exc)
            self._close(task, period, failed=True)
            return max(min(until_next, RETRY_AFTER_FAILURE_SECONDS), 0.05)
        if done and task.done:
            log.info(task.done, done)
        self._close(task, period, failed=False)
        return max((period + 1) * every - self.c.clock().timestamp(), 0.05)

    def _close(self, task: PeriodicTask, period: int, *, failed: bool) -> None:
        try:
            with self.c.db.uow() as uow:
                runs = uow.of(TaskRunRepository)
                if failed:
                    runs.give_back(task.name, period, self.owner, self.c.clock())
                else:
                    runs.finish(task.name, period, self.owner, self.c.clock())
                uow.commit()
        except Exception as exc:  # the run is over either way; a stale claim is taken over in time
            log_failure(log, f"Background task {task.name!r} could not record its run", exc)
