"""A stateful property test of the prompt lab's money, on SQLite and PostgreSQL.

Hypothesis drives two team members running experiments of 1 to 9 cells (some they cannot afford), running the
same form again, "Cancel the rest", studio jobs beside them, and the engine finishing or failing any open job, in
any order. After every step: each balance is the sum of its ledger, an experiment held exactly its quote (or
nothing at all), no job is sent twice, and every ended job's hold has its outcome. At the end no hold outlives
its job."""

from __future__ import annotations

from pathlib import Path

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlmodel import col, select

from core.adapters.fake_engine import FakeImageEngine
from core.adapters.memory_blobs import InMemoryBlobStore
from core.bootstrap import Container, bootstrap
from core.domain import UserView
from core.domain.lab import Axis, AxisKind, Plan
from core.errors import InsufficientCreditsError, TooManyJobsError
from core.services.lab import LabService
from db.tables import Generation
from db.uow import Database
from tests.factories import create_form, settings_for, settle
from tests.hypothesis_sizes import examples
from tests.integration.job_machines import (
    assert_balances_are_their_ledgers,
    assert_holds_have_their_outcomes,
    run_job_machine,
)

STARTER = 12
MEMBERS = ("lead1@example.com", "lead2@example.com")  # ADMIN_EMAILS: admins are team members too
RUNNING_POLLS = 10_000


class LabMachine(RuleBasedStateMachine):
    database: Database
    data_dir: Path

    def __init__(self) -> None:
        super().__init__()
        self.engine = FakeImageEngine(polls_until_done=RUNNING_POLLS)
        settings = settings_for(self.data_dir, "sqlite://", starter_credits=STARTER, admin_emails=",".join(MEMBERS))
        self.c: Container = bootstrap(settings, engine=self.engine, blobs=InMemoryBlobStore(), db=self.database)
        self.lab = self.c.of(LabService)
        self.users: list[UserView] = []
        self.version = 0
        self.jobs: dict[str, int] = {}  # job id → its member
        self.runs: dict[str, tuple[int, int, Plan]] = {}  # run token → (member, experiment id, plan)
        self.tokens = 0

    @initialize()
    def sign_up(self) -> None:
        self.users = [self.c.accounts.sign_in_local(email).user for email in MEMBERS]
        self.version = self.lab.save_template(self.users[0], "Shapes", "a {shape} in {colour}").version_id

    @rule(who=st.integers(0, 1), shapes=st.integers(1, 3), colours=st.integers(1, 3))
    def run_an_experiment(self, who: int, shapes: int, colours: int) -> None:
        plan = Plan(
            "a {shape} in {colour}",
            "fake-draw",
            {"seed": 5},
            axes=(
                Axis(AxisKind.VARIABLE, "shape", tuple(f"shape{i}" for i in range(shapes))),
                Axis(AxisKind.VARIABLE, "colour", tuple(f"colour{i}" for i in range(colours))),
            ),
        )
        user = self.users[who]
        quote = self.lab.quote(user, plan)
        before = self._balance(who)
        token = self._token()
        try:
            experiment = self.lab.run(user, self.version, "Run", plan, token)
        except InsufficientCreditsError:
            assert before < quote.credits and self._balance(who) == before  # all or none
            return
        assert self._balance(who) == before - quote.credits  # exactly the quote held
        self.runs[token] = (who, experiment, plan)
        for cell in self.lab.experiment(user, experiment).grid:
            self.jobs[cell.generation_id] = who

    @precondition(lambda self: self.runs)
    @rule(data=st.data())
    def run_the_same_form_again(self, data: st.DataObject) -> None:
        token = data.draw(st.sampled_from(sorted(self.runs)))
        who, experiment, plan = self.runs[token]
        before = self._balance(who)
        assert self.lab.run(self.users[who], self.version, "Run", plan, token) == experiment
        assert self._balance(who) == before

    @precondition(lambda self: self.runs)
    @rule(data=st.data())
    def cancel_the_rest(self, data: st.DataObject) -> None:
        who, experiment, _ = self.runs[data.draw(st.sampled_from(sorted(self.runs)))]
        self.lab.cancel_rest(self.users[who], experiment)
        assert not any(c.status.in_flight for c in self.lab.experiment(self.users[who], experiment).grid)

    @rule(who=st.integers(0, 1))
    def a_studio_job_beside_them(self, who: int) -> None:
        token = self._token()
        try:
            self.c.generation.submit(self.users[who], create_form(model="fake-draw"), token)
        except InsufficientCreditsError:
            return
        except TooManyJobsError:  # refused only at the limit of studio jobs: lab cells never count towards it
            with self.database.reader() as uow:
                assert uow.generations.count_in_flight(self.users[who].id) == self.c.settings.max_jobs_in_flight
            return
        self.jobs[token] = who

    @precondition(lambda self: self._open())
    @rule(data=st.data(), fails=st.booleans())
    def the_engine_ends_a_job(self, data: st.DataObject, fails: bool) -> None:
        self._end(data.draw(st.sampled_from(self._open())), fails=fails)

    @invariant()
    def each_balance_is_the_sum_of_its_ledger(self) -> None:
        assert_balances_are_their_ledgers(self.database, self.users)

    @invariant()
    def no_job_is_sent_twice(self) -> None:
        assert all(count <= 1 for count in self.engine.accepted.values()), self.engine.accepted

    @invariant()
    def every_ended_jobs_hold_has_its_outcome(self) -> None:
        assert_holds_have_their_outcomes(self.database, self.jobs)

    def teardown(self) -> None:
        for job in self._open():
            self._end(job, fails=False)
        self.every_ended_jobs_hold_has_its_outcome()
        self.each_balance_is_the_sum_of_its_ledger()
        with self.database.reader() as uow:
            rows = uow.session.exec(select(Generation).where(col(Generation.id).in_(list(self.jobs)))).all()
            for who, user in enumerate(self.users):
                charged = sum(row.charged for row in rows if self.jobs[row.id] == who)
                assert uow.users.balance(user.id) == STARTER - charged  # no hold outlives its job

    def _end(self, job: str, *, fails: bool) -> None:
        self.engine.polls_until_done, self.engine.fail_result = 0, fails
        try:
            settle(self.c, self.users[self.jobs[job]], job)
        finally:
            self.engine.polls_until_done, self.engine.fail_result = RUNNING_POLLS, False

    def _open(self) -> list[str]:
        with self.database.reader() as uow:
            query = select(Generation.id).where(
                col(Generation.id).in_(list(self.jobs)), col(Generation.status).in_(["queued", "running"])
            )
            return sorted(uow.session.exec(query).all())

    def _balance(self, who: int) -> int:
        with self.database.reader() as uow:
            return uow.users.balance(self.users[who].id)

    def _token(self) -> str:
        self.tokens += 1
        return f"{self.tokens:032x}"


def test_the_labs_money_holds_in_any_order_of_runs_cancels_and_engine_events(
    machine_database: Database, database_url: str, tmp_path: Path
) -> None:
    LabMachine.database, LabMachine.data_dir = machine_database, tmp_path
    sized = examples(15, 80) if database_url.startswith("sqlite") else examples(6, 30)
    run_job_machine(LabMachine, machine_database, examples=sized, steps=20)
