"""RetentionService: the retention sweep. It runs every capability's retention rule (core/registry.py), each in
its own transaction(s), and records the run with a count per rule as each rule ends. Every rule deletes what is
due at `now`, so running it again deletes nothing twice: a run a crash left "running" is closed as interrupted by
the next sweep, which simply runs every rule again. A rule that fails is recorded by its exception's type and
the others still run."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from core.clock import Clock
from core.container import Container
from core.domain import UserView
from core.domain.retention import RuleView, RunStatus, RunView, Trigger
from core.registry import RetentionRule
from core.services import audit
from core.services.roles import require_admin
from db.repositories.retention import RetentionRunRepository
from db.tables import RetentionRun
from db.uow import Database

log = logging.getLogger(__name__)
RECENT_RUNS = 20


class RetentionService:
    def __init__(
        self, db: Database, clock: Clock, container: Container, rules: Callable[[], list[RetentionRule]]
    ) -> None:
        self.db, self.clock, self.container, self.rules = db, clock, container, rules

    def describe(self) -> list[RuleView]:
        """Every rule in words, with its period as configured."""
        return [RuleView(rule.name, rule.describe(self.container.settings)) for rule in self.rules()]

    def sweep(self, now: datetime | None = None, *, trigger: Trigger = Trigger.SCHEDULE) -> RunView:
        """One run of every rule, recorded; what the worker calls hourly."""
        return self._sweep(now or self.clock(), trigger, None)

    def run_now(self, actor: UserView) -> RunView:
        """An admin's sweep, at once: audited, and recorded as theirs."""
        now = self.clock()
        with self.db.uow() as uow:
            require_admin(uow, actor, "Only admins can run the retention sweep.")
            audit.record(uow, now, actor.id, "retention.swept", "retention")
            uow.commit()
        return self._sweep(now, Trigger.ADMIN, actor.id)

    def runs(self, actor: UserView, limit: int = RECENT_RUNS) -> list[RunView]:
        """The most recent runs, newest first."""
        with self.db.reader() as uow:
            require_admin(uow, actor, "Only admins can see the retention sweep.")
            return [_view(run) for run in uow.of(RetentionRunRepository).recent(limit)]

    def _sweep(self, now: datetime, trigger: Trigger, actor_id: int | None) -> RunView:
        with self.db.uow() as uow:
            runs = uow.of(RetentionRunRepository)
            if interrupted := runs.close_interrupted(now):
                log.warning("Closed %d retention runs a stop left unfinished; this run does their rules", interrupted)
            run_id = runs.start(trigger.value, actor_id, now)
            uow.commit()
        for rule in self.rules():
            self._run_rule(run_id, rule, now)
        with self.db.uow() as uow:
            finished = uow.of(RetentionRunRepository).finish(run_id, self.clock())
            uow.commit()
            return _view(finished)

    def _run_rule(self, run_id: int, rule: RetentionRule, now: datetime) -> None:
        try:
            count = rule.run(self.container, now)
        except Exception as exc:  # noqa: BLE001 - one rule's failure must not stop the others
            log.warning("Retention rule %s failed (%s); it runs again at the next sweep", rule.name, type(exc).__name__)
            with self.db.uow() as uow:
                uow.of(RetentionRunRepository).record_failure(run_id, rule.name, type(exc).__name__)
                uow.commit()
            return
        with self.db.uow() as uow:
            uow.of(RetentionRunRepository).record(run_id, rule.name, count)
            uow.commit()


def _view(run: RetentionRun) -> RunView:
    assert run.id is not None
    return RunView(
        id=run.id,
        started_at=run.started_at,
        finished_at=run.finished_at,
        trigger=Trigger(run.trigger),
        status=RunStatus(run.status),
        counts=dict(run.counts),
        error=run.error,
    )
