"""The worker (core/worker/): jobs are sent and finished by it alone, woken at once by a submit; any number of
workers share the queue without sending a job twice; each periodic task runs once per period across them all; and
a page never waits on an engine, even one that hangs."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlmodel import col, select

from core.adapters.fake_engine import FakeImageEngine
from core.container import Container
from core.domain import JobStatus
from core.registry import PeriodicTask
from core.services.deletion_runner import DeletionRunner
from core.worker.loop import Worker
from db.repositories.task_runs import TaskRunRepository
from db.tables import Generation, LedgerEntry
from tests.factories import create_form, ledger_sum, refreshed, sign_up
from tests.waiting import wait_until

JOBS = 200


@contextmanager
def running(worker: Worker) -> Iterator[Worker]:
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()


def statuses(c: Container) -> dict[str, str]:
    with c.db.reader() as uow:
        return {row.id: row.status for row in uow.session.exec(select(Generation)).all()}


def test_a_submitted_job_is_finished_by_the_worker_woken_at_once_not_by_its_polling(containers, database_url) -> None:
    # A one-minute safety-net interval: only the doorbell can explain a job done within the wait below.
    c = containers(database_url, offline_engine_delay_seconds=0, worker_interval_seconds=60)
    user = sign_up(c)
    with running(Worker(c, tasks=[])):
        job = c.generation.submit(user, create_form(), c.generation.new_token())
        assert job.status == JobStatus.QUEUED and job.status_message == "Waiting for the offline engine"
        done = wait_until(
            lambda: (view := c.generation.status(user, job.id)).status == JobStatus.SUCCEEDED and view,
            timeout=20,
            what="the worker to finish the job",
        )
    assert len(done.images) == 1 and done.charged == job.cost


def test_two_workers_share_200_jobs_each_sent_once_and_each_periodic_task_once_per_period(
    containers, database_url
) -> None:
    engine = FakeImageEngine(polls_until_done=1)  # one engine for both: it counts every accepted submit
    # Each user's 20 jobs are all queued before the workers start: the limit of jobs in flight must let them be.
    settings = {
        "worker_interval_seconds": 0.05,
        "worker_concurrency": 4,
        "worker_batch_size": 8,
        "max_jobs_in_flight": 20,
    }
    web, other = (
        containers(database_url, engine=engine, **settings),
        containers(database_url, engine=engine, **settings),
    )
    users = [sign_up(web, f"user{n}@example.com") for n in range(10)]  # 20 starter credits each
    periods: list[int] = []
    lock = threading.Lock()

    def tick(c: Container) -> int:
        with c.db.reader() as uow:  # runs never overlap, so the row names the period this run claimed
            [row] = [r for r in uow.of(TaskRunRepository).all() if r.name == "tick"]
        with lock:
            periods.append(row.period)
        return 1

    tasks = [PeriodicTask("tick", lambda _s: 0.2, tick)]
    submitted = [
        web.generation.submit(users[n % 10], create_form(f"job {n}", model="fake-draw"), web.generation.new_token())
        for n in range(JOBS)
    ]
    with running(Worker(web, tasks, name="a")), running(Worker(other, tasks, name="b")):
        wait_until(
            lambda: not any(JobStatus(s).in_flight for s in statuses(web).values()),
            timeout=120,
            what=lambda: f"every job to end ({sum(JobStatus(s).in_flight for s in statuses(web).values())} left)",
        )
    assert sorted(statuses(web).values()) == [JobStatus.SUCCEEDED.value] * JOBS
    assert len(engine.accepted) == JOBS and set(engine.accepted.values()) == {1}, "a job was sent twice"
    assert len(periods) >= 2 and len(periods) == len(set(periods)), f"a task ran twice in one period: {periods}"
    with web.db.reader() as uow:
        entries = uow.session.exec(select(LedgerEntry).where(col(LedgerEntry.kind) != "grant")).all()
    for job in submitted:
        mine = [e for e in entries if e.idempotency_key.startswith(f"gen:{job.id}:")]
        assert sorted(e.kind for e in mine) == ["capture", "hold"], "each hold is settled exactly once"
        assert sum(e.delta for e in mine) == -job.cost
    assert [ledger_sum(web, u) for u in users] == [refreshed(web, u).balance for u in users] == [0] * 10


def test_a_page_never_waits_on_an_engine_that_hangs_and_cancel_answers_at_once(containers, database_url) -> None:
    engine = FakeImageEngine()
    held, entered = threading.Event(), threading.Event()

    def hang() -> None:  # the engine took the job, then hangs before answering (fal unreachable, retrying)
        entered.set()
        held.wait(30)

    engine.interrupt_next(hang, at="submit")
    c = containers(database_url, engine=engine, worker_interval_seconds=0.05)
    user = sign_up(c)
    before = ledger_sum(c, user)
    with running(Worker(c, tasks=[])):
        job = c.generation.submit(user, create_form(model="fake-draw"), c.generation.new_token())
        wait_until(entered.is_set, what="the worker to be inside the engine's submit")
        assert c.generation.status(user, job.id).status_message == "Waiting for the image engine"
        canceled = c.generation.cancel(user, job.id)  # answered while the engine still hangs
        assert not held.is_set() and canceled.status == JobStatus.CANCELED
        assert ledger_sum(c, user) == before, "the hold was released at once"
        held.set()
        wait_until(lambda: engine.canceled, what="the engine to be told the job was canceled")
    assert engine.canceled == [f"fake_{job.id}"] and list(engine.accepted.values()) == [1]


def test_a_cancel_from_a_page_reaches_the_engine_through_the_outbox_not_the_page(containers, database_url) -> None:
    engine = FakeImageEngine(polls_until_done=5)
    c = containers(database_url, engine=engine)
    user = sign_up(c)
    job = c.generation.submit(user, create_form(model="fake-draw"), c.generation.new_token())
    c.jobs.reconcile()  # a worker sends it
    c.generation.cancel(user, job.id)
    assert engine.canceled == [], "the page did not call the engine"
    assert c.of(DeletionRunner).run() == 1  # the worker's outbox task did
    assert engine.canceled == engine.forgotten == [f"fake_{job.id}"]
