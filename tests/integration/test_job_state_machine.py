"""A stateful property test of generation jobs and credits, on SQLite and PostgreSQL.

Hypothesis drives submits, double submits, polls, the background loop, cancels, timeouts,
engine failures and crashes, partial delivery, process crashes between steps and price
changes, in any order. After every step the money invariants must hold.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)
from sqlmodel import col, select

from core.adapters.fake_engine import FakeImageEngine, SimulatedCrash
from core.adapters.memory_blobs import InMemoryBlobStore
from core.bootstrap import Container, bootstrap
from core.domain import JobStatus, UserView
from core.errors import InsufficientCreditsError, TooManyJobsError
from core.job_states import FAIL
from core.services import ledger
from db.tables import Generation, Image, LedgerEntry
from db.uow import Database
from tests.factories import create_form, settings_for, settle
from tests.hypothesis_sizes import examples
from tests.integration.job_machines import run_job_machine

TIMEOUT_SECONDS = 600
LEASE_SECONDS = 30
PRICES = (1, 2)  # credits per image before and after a price change


@dataclass
class Job:
    token: str
    price: int  # the price per image when its credits were held
    ended_as: JobStatus | None = None
    finished_at: datetime | None = None


class JobMachine(RuleBasedStateMachine):
    database: Database
    data_dir: Path

    def __init__(self) -> None:
        super().__init__()
        self.now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
        # Jobs stay open for a few polls; the price lives in the engine's catalogue, shared by both servers.
        self.engine = FakeImageEngine(polls_until_done=2, queued_polls=1, credits_per_image=PRICES[0])
        blobs = InMemoryBlobStore()
        self.blobs = blobs
        self.servers: list[Container] = [
            bootstrap(
                settings_for(
                    self.data_dir,
                    "sqlite://",
                    credits_per_image=price,
                    generation_timeout_seconds=TIMEOUT_SECONDS,
                    job_lease_seconds=LEASE_SECONDS,
                ),
                engine=self.engine,
                blobs=blobs,
                db=self.database,
                clock=lambda: self.now,
            )
            for price in PRICES
        ]
        self.price_index = 0
        self.jobs: dict[str, Job] = {}
        self.refused = 0
        self.user: UserView

    @property
    def server(self) -> Container:
        return self.servers[self.price_index]

    @initialize()
    def sign_up(self) -> None:
        self.user = self.server.accounts.sign_in_local(f"u{uuid.uuid4().hex[:12]}@example.com").user

    # --- what users and the server do ---------------------------------------------------------

    @rule(num_images=st.integers(1, 4))
    def submit(self, num_images: int) -> None:
        token = f"{len(self.jobs) + self.refused + 1:032x}"  # deterministic, so Hypothesis can replay
        price = PRICES[self.price_index]
        try:
            self.server.generation.submit(self.user, create_form(model="fake-draw", num_images=num_images), token)
        except (InsufficientCreditsError, TooManyJobsError):
            self.refused += 1
            return
        except SimulatedCrash:
            pass  # the process died mid-send; the job is committed with its hold
        self.jobs[token] = Job(token, price)

    @precondition(lambda self: self.jobs)
    @rule(data=st.data())
    def submit_the_same_form_again(self, data: st.DataObject) -> None:
        token = data.draw(st.sampled_from(sorted(self.jobs)))
        before = self._balance()
        view = self.server.generation.submit(self.user, create_form(model="fake-draw", prompt="other"), token)
        assert view.id == token
        assert self._balance() == before

    @precondition(lambda self: self._open_jobs())
    @rule(data=st.data())
    def poll(self, data: st.DataObject) -> None:
        token = data.draw(st.sampled_from(self._open_jobs()))
        self._survive(lambda: settle(self.server, self.user, token))

    @rule()
    def background_loop(self) -> None:
        self._survive(self.server.jobs.reconcile)

    @precondition(lambda self: self._open_jobs())
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        self.server.generation.cancel(self.user, data.draw(st.sampled_from(self._open_jobs())))

    @rule(seconds=st.sampled_from([1, LEASE_SECONDS + 1, TIMEOUT_SECONDS + 1]))
    def time_passes(self, seconds: int) -> None:
        self.now += timedelta(seconds=seconds)

    @rule()
    def prices_change(self) -> None:
        self.price_index = 1 - self.price_index
        self.engine.credits_per_image = PRICES[self.price_index]  # the catalogue's price, as a new deploy has it

    @rule(amount=st.integers(1, 10))
    def credits_are_granted(self, amount: int) -> None:
        with self.database.uow() as uow:
            ledger.grant(uow, self.user.id, amount, "Top-up", f"test:{uuid.uuid4().hex}")
            uow.commit()

    # --- what the engine does -----------------------------------------------------------------

    @rule(
        polls=st.integers(0, 3),
        queued=st.integers(0, 2),
        deliver=st.one_of(st.none(), st.integers(0, 4)),
        failure=st.sampled_from(["none", "fail_submit", "fail_result", "explode_submit", "explode_result", "garbage"]),
    )
    def engine_behaves(self, polls: int, queued: int, deliver: int | None, failure: str) -> None:
        engine = self.engine
        engine.polls_until_done, engine.queued_polls, engine.deliver = polls, queued, deliver
        for flag in ("fail_submit", "fail_result", "explode_submit", "explode_result", "garbage"):
            setattr(engine, flag, flag == failure)

    @rule(when=st.sampled_from(["before_accept", "after_accept"]), finding=st.booleans())
    def the_next_sender_dies(self, when: str, finding: bool) -> None:
        setattr(self.engine, f"crash_{when}", 1)
        self.engine.cannot_find = not finding

    @precondition(lambda self: self._open_jobs())
    @rule(
        data=st.data(),
        by=st.sampled_from(["cancel", "timeout"]),
        at=st.sampled_from(["status", "result"]),
        via=st.sampled_from(["poll", "loop"]),
    )
    def another_writer_commits_while_the_engine_answers(self, data: st.DataObject, by: str, at: str, via: str) -> None:
        """A cancel, or a timeout on another server, commits while this one waits on the engine."""
        token = data.draw(st.sampled_from(self._open_jobs()))
        if by == "cancel":
            self.engine.interrupt_next(lambda: self.servers[1].generation.cancel(self.user, token), at=at)
        else:
            self.engine.interrupt_next(lambda: self.servers[1].jobs._end(token, FAIL, "Timed out."), at=at)
        if via == "poll":
            self._survive(lambda: settle(self.server, self.user, token))
        else:
            self.background_loop()
        self.engine.interrupt_next(lambda: None, at=at)  # an unused interruption does not carry over

    @rule(by=st.sampled_from(["cancel", "timeout"]), num_images=st.integers(1, 4))
    def another_writer_commits_while_a_new_job_is_sent(self, by: str, num_images: int) -> None:
        def interrupt() -> None:
            token = next(reversed(self.jobs), None)
            if token is not None and by == "cancel":
                self.servers[1].generation.cancel(self.user, token)
            elif token is not None:
                self.servers[1].jobs._end(token, FAIL, "Timed out.")

        self.engine.interrupt_next(interrupt, at="submit")
        self.submit(num_images)
        self.engine.interrupt_next(lambda: None, at="submit")

    # --- invariants -----------------------------------------------------------------------------

    @invariant()
    def the_balance_is_the_sum_of_the_ledger(self) -> None:
        if hasattr(self, "user"):
            with self.database.reader() as uow:
                assert uow.users.balance(self.user.id) == uow.ledger.total(self.user.id)

    @invariant()
    def no_job_is_sent_twice(self) -> None:
        assert all(count <= 1 for count in self.engine.accepted.values()), self.engine.accepted

    @invariant()
    def every_hold_ends_in_exactly_one_outcome_matching_the_held_price(self) -> None:
        for job in self.jobs.values():
            row, entries, images = self._read(job.token)
            kinds = {e.kind: e for e in entries}
            assert len(entries) == len(kinds) and kinds["hold"].delta == -row.cost
            assert row.cost == job.price * row.num_images
            status = JobStatus(row.status)
            if status.in_flight:
                assert set(kinds) == {"hold"}, "an open job has no outcome yet"
                assert job.ended_as is None, "a job never comes back from an end state"
                continue
            assert {"capture", "release"} & set(kinds), "an ended job's hold has an outcome"
            released = kinds["release"].delta if "release" in kinds else 0
            assert row.charged + released == row.cost
            assert row.charged == len(images) * job.price, "charged = delivered × the price held"
            assert ("capture" in kinds) == (row.charged > 0)
            if status != JobStatus.SUCCEEDED:
                assert row.charged == 0 and not images
            if job.ended_as is None:
                job.ended_as, job.finished_at = status, row.finished_at
            assert (job.ended_as, job.finished_at) == (status, row.finished_at), "no job ends twice"

    def teardown(self) -> None:
        """Long after everything: no hold outlives its job."""
        if hasattr(self, "user"):
            self.engine.crash_before_accept = self.engine.crash_after_accept = 0
            self.now += timedelta(seconds=TIMEOUT_SECONDS + LEASE_SECONDS + 1)
            self.servers[0].jobs.reconcile()
            for job in self.jobs.values():
                row, _, _ = self._read(job.token)
                assert not JobStatus(row.status).in_flight
            self.every_hold_ends_in_exactly_one_outcome_matching_the_held_price()
            self.the_balance_is_the_sum_of_the_ledger()

    # --- helpers --------------------------------------------------------------------------------

    def _survive(self, action: object) -> None:
        try:
            action()  # type: ignore[operator]
        except SimulatedCrash:
            pass  # a process died between two steps; the next step runs in a "restarted" one

    def _open_jobs(self) -> list[str]:
        with self.database.reader() as uow:
            rows = uow.session.exec(
                select(Generation.id).where(
                    col(Generation.id).in_(list(self.jobs)), col(Generation.status).in_(["queued", "running"])
                )
            )
            return sorted(rows.all())

    def _balance(self) -> int:
        with self.database.reader() as uow:
            return uow.users.balance(self.user.id)

    def _read(self, token: str) -> tuple[Generation, list[LedgerEntry], list[Image]]:
        with self.database.reader() as uow:
            row = uow.generations.get(token)
            assert row is not None
            key = col(LedgerEntry.idempotency_key).like(f"gen:{token}:%")
            entries = list(uow.session.exec(select(LedgerEntry).where(key)).all())
            images = list(uow.images.for_generation(token))
        return row, entries, images


def test_jobs_and_credits_keep_their_invariants_in_any_order_of_events(
    machine_database: Database, database_url: str, tmp_path: Path
) -> None:
    JobMachine.database, JobMachine.data_dir = machine_database, tmp_path
    # PostgreSQL commits cost ~10x SQLite's here; the same rules run on both. Sized for `make test`
    # (tests/hypothesis_sizes.py): these ran 150 and 60, 6 of the suite's 10 minutes on 2 cores.
    sized = examples(50, 150) if database_url.startswith("sqlite") else examples(20, 60)
    run_job_machine(JobMachine, machine_database, examples=sized, steps=30)
