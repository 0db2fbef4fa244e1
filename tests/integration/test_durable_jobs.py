"""Generation jobs survive a closed tab and a server restart, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from core.adapters.fake_engine import FakeImageEngine, SimulatedCrash
from core.adapters.offline import OfflineImageEngine
from core.domain import JobStatus
from core.services.deletion_runner import DeletionRunner
from tests.factories import create_form, ledger_sum, refreshed, settle, sign_up


def test_a_job_left_running_when_the_server_died_is_finished_after_a_restart(
    containers, database_url: str, tmp_path
) -> None:
    clock = {"now": 1_000.0}
    before = containers(database_url, engine=OfflineImageEngine(tmp_path / "queue", 2.0, clock=lambda: clock["now"]))
    user = sign_up(before)
    job = before.generation.submit(user, create_form(num_images=2), before.generation.new_token())
    before.jobs.reconcile()  # its worker sends it
    assert before.generation.status(user, job.id).status.in_flight  # the server and its worker die here

    clock["now"] += 5  # later, a new process with a new engine object over the same queue
    after = containers(database_url, engine=OfflineImageEngine(tmp_path / "queue", 2.0, clock=lambda: clock["now"]))
    after.jobs.reconcile()
    done = after.generation.status(user, job.id)
    assert done.status == JobStatus.SUCCEEDED and len(done.images) == 2
    assert refreshed(after, user).balance == 18 == ledger_sum(after, user)


def test_a_job_the_engine_lost_is_released_and_the_ledger_balances(containers, database_url: str, tmp_path) -> None:
    before = containers(database_url, engine=OfflineImageEngine(tmp_path / "queue", 60.0))
    user = sign_up(before)
    job = before.generation.submit(user, create_form(num_images=3), before.generation.new_token())
    before.jobs.reconcile()  # sent to the first engine, whose queue is then lost
    after = containers(database_url, engine=OfflineImageEngine(tmp_path / "other-queue", 60.0))
    after.jobs.reconcile()
    lost = after.generation.status(user, job.id)
    assert lost.status == JobStatus.FAILED and "lost track" in lost.status_message
    assert refreshed(after, user).balance == 20 == ledger_sum(after, user)


def test_a_job_that_never_finishes_is_released_after_the_timeout(containers, database_url: str) -> None:
    now = {"t": datetime(2026, 11, 27, 12, 0, tzinfo=UTC)}
    engine = FakeImageEngine(polls_until_done=10_000)
    c = containers(database_url, engine=engine, clock=lambda: now["t"], generation_timeout_seconds=600)
    user = sign_up(c)
    job = c.generation.submit(user, create_form(model="fake-draw"), c.generation.new_token())
    c.jobs.reconcile()
    assert c.generation.status(user, job.id).status == JobStatus.RUNNING
    now["t"] += timedelta(minutes=11)
    c.jobs.reconcile()
    timed_out = c.generation.status(user, job.id)
    assert timed_out.status == JobStatus.FAILED and "Timed out after 10 minutes" in timed_out.status_message
    assert engine.canceled
    assert refreshed(c, user).balance == 20


def submit_and_die(c, user, token: str) -> None:  # type: ignore[no-untyped-def]
    """The job is committed with its hold; then its worker dies inside the engine's submit."""
    c.generation.submit(user, create_form(model="fake-draw"), token)
    with pytest.raises(SimulatedCrash):
        c.jobs.reconcile()


def test_a_job_whose_sender_died_before_the_engine_got_it_is_sent_once_by_the_loop(
    containers, database_url: str
) -> None:
    engine = FakeImageEngine(crash_before_accept=1)
    c = containers(database_url, engine=engine)
    user = sign_up(c)
    token = c.generation.new_token()
    submit_and_die(c, user, token)
    assert c.generation.status(user, token).status == JobStatus.QUEUED  # committed with its hold
    c.jobs.reconcile()  # looks it up, finds nothing, sends it (the first delivery) and collects it
    assert c.generation.status(user, token).status == JobStatus.SUCCEEDED
    assert engine.accepted[token] == 1
    assert refreshed(c, user).balance == 19 == ledger_sum(c, user)


def test_a_job_whose_sender_died_after_the_engine_took_it_is_found_and_never_sent_again(
    containers, database_url: str
) -> None:
    engine = FakeImageEngine(crash_after_accept=1)
    c = containers(database_url, engine=engine)
    user = sign_up(c)
    token = c.generation.new_token()
    submit_and_die(c, user, token)
    for _ in range(3):
        c.jobs.reconcile()
    assert c.generation.status(user, token).status == JobStatus.SUCCEEDED
    assert engine.accepted[token] == 1  # looked up, not resubmitted: no second paid job
    assert refreshed(c, user).balance == 19 == ledger_sum(c, user)


def test_a_job_the_engine_cannot_look_up_after_a_crash_is_stopped_with_a_full_release(
    containers, database_url: str
) -> None:
    engine = FakeImageEngine(crash_after_accept=1, cannot_find=True)
    c = containers(database_url, engine=engine)
    user = sign_up(c)
    token = c.generation.new_token()
    submit_and_die(c, user, token)
    c.jobs.reconcile()
    stopped = c.generation.status(user, token)
    assert stopped.status == JobStatus.FAILED and "could not confirm" in stopped.status_message
    assert engine.accepted[token] == 1
    assert refreshed(c, user).balance == 20 == ledger_sum(c, user)


@pytest.mark.parametrize("where", ["submit", "result"])
def test_an_engine_that_crashes_fails_the_job_once_and_is_never_retried_in_a_loop(
    containers, database_url: str, where: str
) -> None:
    engine = FakeImageEngine(explode_submit=where == "submit", explode_result=where == "result")
    c = containers(database_url, engine=engine)
    user = sign_up(c)
    job = c.generation.submit(user, create_form(model="fake-draw", num_images=2), c.generation.new_token())
    for _ in range(5):
        settle(c, user, job.id)
        c.jobs.reconcile()
    failed = c.generation.status(user, job.id)
    assert failed.status == JobStatus.FAILED and "credits were returned" in failed.status_message
    assert sum(engine.results_fetched.values()) == (1 if where == "result" else 0)
    assert sum(engine.accepted.values()) == (1 if where == "result" else 0)
    assert refreshed(c, user).balance == 20 == ledger_sum(c, user)


def test_a_slow_submit_keeps_its_lease_so_the_loop_never_sends_the_job_a_second_time(
    containers, database_url: str
) -> None:
    """The lease (1 s here) is renewed while the engine takes 2.5 s to accept: the loop keeps away."""
    engine = FakeImageEngine(latency_seconds=2.5)
    c = containers(database_url, engine=engine, job_lease_seconds=1)
    user = sign_up(c)
    token = c.generation.new_token()
    sender = threading.Thread(target=c.generation.submit, args=(user, create_form(model="fake-draw"), token))
    sender.start()
    while sender.is_alive():  # the background loop, ticking fast until the submit is done
        c.jobs.reconcile()
        sender.join(timeout=0.05)
    engine.latency = 0
    c.jobs.reconcile()
    assert engine.accepted[token] == 1
    assert c.generation.status(user, token).status == JobStatus.SUCCEEDED
    assert refreshed(c, user).balance == 19 == ledger_sum(c, user)


def test_an_ended_job_leaves_nothing_in_the_offline_engines_spool(containers, database_url: str, tmp_path) -> None:
    """Prompts and input images are gone from the engine as soon as the job ends, whatever the ending."""
    spool = tmp_path / "spool"
    c = containers(database_url, engine=OfflineImageEngine(spool, 0.0))
    user = sign_up(c)
    done = settle(c, user, c.generation.submit(user, create_form(), c.generation.new_token()).id)
    assert done.status == JobStatus.SUCCEEDED
    assert list(spool.iterdir()) == []
    slow = containers(database_url, engine=OfflineImageEngine(spool, 60.0))
    job = slow.generation.submit(user, create_form(), slow.generation.new_token())
    slow.jobs.reconcile()  # sent
    assert len(list(spool.glob("*.json"))) == 1  # while it runs, the engine holds it
    slow.generation.cancel(user, job.id)
    slow.of(DeletionRunner).run()  # the worker tells the engine, through the outbox
    assert list(spool.iterdir()) == []
