"""What the job state machines share (test_job_state_machine.py, test_jobs_in_flight_machine.py, test_lab_machine.py): a database of
their own, emptied before each example, and Hypothesis's settings for machines whose steps commit to it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test
from sqlalchemy import delete
from sqlmodel import col, select

from core.domain import JobStatus, UserView
from db.engine import make_engine
from db.tables import (
    Generation,
    Image,
    LabAxis,
    LabCell,
    LabExperiment,
    LabRating,
    LabTemplate,
    LabTemplateVersion,
    LedgerEntry,
    SignIn,
    User,
)
from db.uow import Database


@pytest.fixture
def machine_database(database_url: str) -> Iterator[Database]:
    database = Database(make_engine(database_url))
    yield database
    database.engine.dispose()


def assert_balances_are_their_ledgers(database: Database, users: Sequence[UserView]) -> None:
    """Each user's balance is the sum of their ledger."""
    with database.reader() as uow:
        for user in users:
            assert uow.users.balance(user.id) == uow.ledger.total(user.id)


def assert_holds_have_their_outcomes(database: Database, job_ids: Iterable[str]) -> None:
    """Each job has one hold; one in flight has nothing else yet, an ended one its capture or release."""
    wanted = set(job_ids)
    with database.reader() as uow:
        rows = uow.session.exec(select(Generation).where(col(Generation.id).in_(wanted))).all()
        assert {row.id for row in rows} == wanted  # every job is there
        for row in rows:
            key = col(LedgerEntry.idempotency_key).like(f"gen:{row.id}:%")
            kinds = [entry.kind for entry in uow.session.exec(select(LedgerEntry).where(key)).all()]
            assert kinds.count("hold") == 1 and len(kinds) == len(set(kinds))
            if JobStatus(row.status).in_flight:
                assert kinds == ["hold"]
            else:
                assert {"capture", "release"} & set(kinds)


def run_job_machine(
    machine: Callable[[], RuleBasedStateMachine], database: Database, *, examples: int, steps: int
) -> None:
    """Run `machine` (its class) on `database`, each example from empty tables, derandomized, without deadlines."""

    def fresh() -> RuleBasedStateMachine:
        with database.uow() as uow:
            lab = (LabRating, LabCell, LabAxis, LabExperiment, LabTemplateVersion, LabTemplate)
            for table in (*lab, Image, LedgerEntry, Generation, SignIn, User):
                uow.session.execute(delete(table))
            uow.commit()
        return machine()

    run_state_machine_as_test(
        fresh,
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            derandomize=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
