"""A stateful property test of several jobs per user in flight, on SQLite and PostgreSQL.

Hypothesis drives one to three users submitting, submitting the same form again, canceling, and the engine
failing or finishing any open job, in any order. After every step: each balance is the sum of its ledger, no user
has more jobs in flight than the limit (and none is refused below it), no job is sent twice, and every ended job's
hold has its outcome. At the end no hold outlives its job.
"""

from __future__ import annotations

import uuid
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

from core.adapters.fake_engine import FakeImageEngine
from core.adapters.memory_blobs import InMemoryBlobStore
from core.bootstrap import Container, bootstrap
from core.domain import JobStatus, UserView
from core.errors import InsufficientCreditsError, TooManyJobsError
from db.tables import Generation
from db.uow import Database
from tests.factories import create_form, settings_for, settle
from tests.hypothesis_sizes import examples
from tests.integration.job_machines import (
    assert_balances_are_their_ledgers,
    assert_holds_have_their_outcomes,
    run_job_machine,
)

LIMIT = 2  # jobs in flight per user: small, so the machine reaches it often
RUNNING_POLLS = 10_000  # the engine keeps a job running until a rule finishes it


class InFlightMachine(RuleBasedStateMachine):
    database: Database
    data_dir: Path

    def __init__(self) -> None:
        super().__init__()
        self.engine = FakeImageEngine(polls_until_done=RUNNING_POLLS)
        self.c: Container = bootstrap(
            settings_for(self.data_dir, "sqlite://", max_jobs_in_flight=LIMIT, starter_credits=6),
            engine=self.engine,
            blobs=InMemoryBlobStore(),
            db=self.database,
        )
        self.users: list[UserView] = []
        self.jobs: dict[str, int] = {}  # token → the index of its user
        self.submits = 0

    @initialize(count=st.integers(1, 3))
    def sign_up(self, count: int) -> None:
        self.users = [self.c.accounts.sign_in_local(f"u{uuid.uuid4().hex[:12]}@example.com").user for _ in range(count)]

    # --- what the users do ----------------------------------------------------------------------

    @rule(data=st.data(), num_images=st.integers(1, 2))
    def submit(self, data: st.DataObject, num_images: int) -> None:
        who = data.draw(st.integers(0, len(self.users) - 1))
        self.submits += 1
        token = f"{self.submits:032x}"  # deterministic, so Hypothesis can replay
        in_flight_before = self._in_flight(who)
        try:
            self.c.generation.submit(self.users[who], create_form(model="fake-draw", num_images=num_images), token)
        except TooManyJobsError:
            assert in_flight_before == LIMIT, "refused only at the limit"
            return
        except InsufficientCreditsError:
            return
        assert in_flight_before < LIMIT
        self.jobs[token] = who

    @precondition(lambda self: self.jobs)
    @rule(data=st.data())
    def submit_the_same_form_again(self, data: st.DataObject) -> None:
        token = data.draw(st.sampled_from(sorted(self.jobs)))
        who = self.jobs[token]
        before = self._balance(who)
        assert self.c.generation.submit(self.users[who], create_form(model="fake-draw"), token).id == token
        assert self._balance(who) == before

    @precondition(lambda self: self._open())
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        token = data.draw(st.sampled_from(self._open()))
        self.c.generation.cancel(self.users[self.jobs[token]], token)

    # --- what the engine does -------------------------------------------------------------------

    @precondition(lambda self: self._open())
    @rule(data=st.data())
    def the_engine_takes_a_job_and_keeps_working(self, data: st.DataObject) -> None:
        self._step(data.draw(st.sampled_from(self._open())), done=False, fails=False)

    @precondition(lambda self: self._open())
    @rule(data=st.data(), fails=st.booleans())
    def the_engine_ends_a_job(self, data: st.DataObject, fails: bool) -> None:
        self._step(data.draw(st.sampled_from(self._open())), done=True, fails=fails)

    # --- invariants -----------------------------------------------------------------------------

    @invariant()
    def each_balance_is_the_sum_of_its_ledger(self) -> None:
        assert_balances_are_their_ledgers(self.database, self.users)

    @invariant()
    def no_user_has_more_jobs_in_flight_than_the_limit(self) -> None:
        assert all(self._in_flight(who) <= LIMIT for who in range(len(self.users)))

    @invariant()
    def no_job_is_sent_twice(self) -> None:
        assert all(count <= 1 for count in self.engine.accepted.values()), self.engine.accepted

    @invariant()
    def every_ended_jobs_hold_has_its_outcome(self) -> None:
        assert_holds_have_their_outcomes(self.database, self.jobs)

    def teardown(self) -> None:
        """Everything still open finishes: no hold outlives its job, and every credit is accounted for."""
        for token in self._open():
            self._step(token, done=True, fails=False)
        assert not self._open()
        self.every_ended_jobs_hold_has_its_outcome()
        self.each_balance_is_the_sum_of_its_ledger()
        with self.database.reader() as uow:
            for who, user in enumerate(self.users):
                charged = sum(row.charged for token, row in self._rows().items() if self.jobs[token] == who)
                assert uow.users.balance(user.id) == 6 - charged  # starter credits less what was delivered

    # --- helpers --------------------------------------------------------------------------------

    def _step(self, token: str, *, done: bool, fails: bool) -> None:
        self.engine.polls_until_done = 0 if done else RUNNING_POLLS
        self.engine.fail_result = fails
        try:
            settle(self.c, self.users[self.jobs[token]], token)
        finally:
            self.engine.polls_until_done, self.engine.fail_result = RUNNING_POLLS, False

    def _open(self) -> list[str]:
        return sorted(token for token, row in self._rows().items() if JobStatus(row.status).in_flight)

    def _rows(self) -> dict[str, Generation]:
        with self.database.reader() as uow:
            rows = uow.session.exec(select(Generation).where(col(Generation.id).in_(list(self.jobs)))).all()
            return {row.id: row for row in rows}

    def _in_flight(self, who: int) -> int:
        with self.database.reader() as uow:
            return uow.generations.count_in_flight(self.users[who].id)

    def _balance(self, who: int) -> int:
        with self.database.reader() as uow:
            return uow.users.balance(self.users[who].id)


def test_several_jobs_per_user_keep_the_ledger_and_the_limit_in_any_order_of_events(
    machine_database: Database, database_url: str, tmp_path: Path
) -> None:
    InFlightMachine.database, InFlightMachine.data_dir = machine_database, tmp_path
    sized = examples(25, 100) if database_url.startswith("sqlite") else examples(10, 40)
    run_job_machine(InFlightMachine, machine_database, examples=sized, steps=25)
