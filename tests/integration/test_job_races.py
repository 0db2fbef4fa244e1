"""Real threads racing on one job: a cancel against progress updates and a collection, many times over.

Run on SQLite and PostgreSQL; PostgreSQL is where writes really interleave (READ COMMITTED,
row locks), which is where a read-check-write job update used to bring a canceled job back.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import col, select

from core.adapters.fake_engine import FakeImageEngine
from core.domain import JobStatus
from core.job_states import CANCEL, FAIL
from db.tables import LedgerEntry
from tests.factories import create_form, ledger_sum, refreshed, settle, sign_up
from tests.races import outcomes_at_once

ROUNDS = 30


def race(*actions: Callable[[], object]) -> list[str]:
    """Start every action at the same instant on its own thread; each reports 'ok' or its error's type."""
    return ["ok" if not isinstance(o, BaseException) else type(o).__name__ for o in outcomes_at_once(*actions)]


@pytest.mark.parametrize("polls_until_done", [0, 1])
def test_a_cancel_racing_progress_and_collection_ends_canceled_or_succeeded_never_both(
    containers, database_url: str, polls_until_done: int
) -> None:
    engine = FakeImageEngine(polls_until_done=polls_until_done, latency_seconds=0.002)
    c = containers(database_url, engine=engine, starter_credits=ROUNDS * 2)
    user = sign_up(c)
    outcomes = []
    for _ in range(ROUNDS):
        job = c.generation.submit(user, create_form(model="fake-draw", num_images=2), c.generation.new_token())
        results = race(
            lambda job_id=job.id: c.generation.cancel(user, job_id),
            lambda job_id=job.id: settle(c, user, job_id),
            lambda: c.jobs.reconcile(),
        )
        assert results == ["ok"] * 3, results  # no thread crashed and every one reported
        c.jobs.reconcile()  # whatever was left in flight by the race finishes now
        view = c.generation.status(user, job.id)
        with c.db.reader() as uow:
            key = col(LedgerEntry.idempotency_key).like(f"gen:{job.id}:%")
            kinds = sorted(e.kind for e in uow.session.exec(select(LedgerEntry).where(key)))
        if view.status == JobStatus.CANCELED:
            assert kinds == ["hold", "release"] and view.charged == 0 and view.images == []
        else:
            assert view.status == JobStatus.SUCCEEDED, view.status_message
            assert kinds == ["capture", "hold"] and view.charged == 2 and len(view.images) == 2
        outcomes.append(view.status)
    assert refreshed(c, user).balance == ledger_sum(c, user)
    assert all(count == 1 for count in engine.accepted.values())
    assert JobStatus.CANCELED in outcomes  # the race really was run both ways


def test_a_cancel_or_timeout_arriving_after_the_job_ended_changes_nothing(containers, database_url: str) -> None:
    """The late writer of a check-then-act race: the job ended between its check and its write."""
    c = containers(database_url, engine=FakeImageEngine())
    user = sign_up(c)
    job = settle(c, user, c.generation.submit(user, create_form(model="fake-draw"), c.generation.new_token()).id)
    assert job.status == JobStatus.SUCCEEDED
    before = (refreshed(c, user).balance, c.credits.ledger_page(user).total)
    assert not c.jobs.cancel(job.id)
    assert not c.jobs._end(job.id, FAIL, "Timed out.")
    assert not c.jobs._end(job.id, CANCEL, "Canceled.")
    after = c.generation.status(user, job.id)
    assert (after.status, after.charged, len(after.images)) == (JobStatus.SUCCEEDED, 1, 1)
    assert (refreshed(c, user).balance, c.credits.ledger_page(user).total) == before
