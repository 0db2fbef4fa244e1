"""An erasure interrupted halfway finishes on the next run, on SQLite and PostgreSQL: killed between handlers, or
stopped by a handler that fails, a fresh container's loop ends it with the same receipt as an erasure that ran
straight through, and nothing twice. Deletions owed to fal.ai that fail are kept, retried with a growing wait and
shown as still owed until they succeed."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from core.personal_data import PersonalData
from core.registry import personal_data_map
from core.services.deletion_runner import DeletionRunner, retry_delay
from core.services.erasure import ErasureService
from tests.factories import MovableClock, create_form, make_container, settle
from tests.fal_server import FalServer
from tests.fal_support import fal_container, fal_form, run_to_end


def busy_user(c, email: str):  # type: ignore[no-untyped-def]
    user = c.accounts.sign_in_local(email).user
    for prompt in ("first picture", "second picture"):
        settle(c, user, c.generation.submit(user, create_form(prompt, num_images=2), c.generation.new_token()).id)
    c.billing.buy(user, "pack-starter", "demo", "http://localhost:8501", c.billing.new_token())
    return user


def receipt_counts(service: ErasureService, reference: str) -> list[tuple[str, str, int, bool]]:
    return [(line.system, line.what, line.count, line.kept) for line in service.receipt(reference).lines]


class Boom(Exception):
    pass


def test_an_erasure_killed_between_handlers_or_stopped_by_one_finishes_with_the_same_receipt(
    tmp_path: Path, database_url: str
) -> None:
    clock = MovableClock()
    c = make_container(tmp_path, database_url, clock=clock, erasure_grace_days=0)
    straight, killed = busy_user(c, "straight@example.com"), busy_user(c, "killed@example.com")
    service = c.of(ErasureService)
    straight_ref = service.schedule(straight, "straight@example.com").reference
    assert service.run_due() == 1
    killed_ref = service.schedule(killed, "killed@example.com").reference

    assert service.run_one(killed_ref, steps=6) is False  # the process dies after six handlers
    # On restart, a handler fails once (the database went away): the loop keeps the erasure and runs it again.
    failing = {"table:ledger_entries"}

    def flaky(entry: PersonalData) -> PersonalData:
        def erase(ctx):  # type: ignore[no-untyped-def]
            if entry.store in failing:
                failing.clear()
                raise Boom
            return entry.erase(ctx)

        return replace(entry, erase=erase)

    restarted = make_container(tmp_path, database_url, clock=clock, erasure_grace_days=0)
    again = restarted.of(ErasureService)
    again.entries = lambda: [flaky(entry) for entry in personal_data_map()]
    assert again.run_due() == 0  # stopped by the failing handler
    again.entries = personal_data_map
    assert again.run_due() == 1

    assert receipt_counts(again, killed_ref) == receipt_counts(again, straight_ref)
    with restarted.db.reader() as uow:
        tombstones = uow.session.execute(text("SELECT count(*) FROM users WHERE role = 'erased'")).scalar()
        orders = uow.session.execute(text("SELECT count(*) FROM orders")).scalar()
        owed = uow.session.execute(text("SELECT count(*) FROM deletion_outbox")).scalar()
        users = uow.session.execute(text("SELECT count(*) FROM users WHERE role <> 'erased'")).scalar()
    assert (tombstones, orders, owed, users) == (2, 2, 0, 0)
    assert [key for key in restarted.blobs.keys("")] == []


def test_a_failed_payload_deletion_at_fal_is_retried_and_shown_as_owed_until_it_succeeds(
    tmp_path: Path, database_url: str, fal: FalServer
) -> None:
    clock = MovableClock()
    c = fal_container(tmp_path, database_url, fal, clock, erasure_grace_days=0, fal_keep_payloads=True)
    user = c.accounts.sign_in_local("faller@example.com").user
    job = run_to_end(c, user, c.generation.submit(user, fal_form(), c.generation.new_token()).id, clock)
    service = c.of(ErasureService)
    reference = service.schedule(user, "faller@example.com").reference
    fal.deleted_payloads.clear()
    fal.payload_delete_errors[:] = [500, 503]

    assert service.run_due() == 1
    receipt = service.receipt(reference)
    assert receipt.finished and receipt.still_owed == 1  # shown on the receipt, never dropped
    with c.db.reader() as uow:
        attempts, error = uow.session.execute(text("SELECT attempts, last_error FROM deletion_outbox")).one()
    assert (attempts, error) == (1, "EngineError")  # the type only: a message could name a file or a person
    runner = c.of(DeletionRunner)
    assert runner.run() == 0  # not due yet: it waits before trying again
    clock.advance(seconds=31)
    assert runner.run() == 0 and runner.owed().failing == 1
    clock.advance(seconds=61)
    assert runner.run() == 1
    assert service.receipt(reference).still_owed == 0 and fal.deleted_payloads == [fal.jobs()[0].request_id]
    assert job.status.value == "succeeded"


def test_retries_wait_longer_each_time_and_at_most_an_hour() -> None:
    waits = [retry_delay(n).total_seconds() for n in range(1, 12)]
    assert waits[:3] == [30, 60, 120] and waits == sorted(waits) and max(waits) == 3600


@settings(max_examples=15, deadline=None)
@given(
    st.lists(
        st.sampled_from(["purchase", "clawback", "reinstate", "grant", "hold", "release", "adjustment"]), max_size=12
    )
)
def test_the_tombstones_ledger_always_balances(kinds: list[str]) -> None:
    import tempfile

    from db.tables import LedgerEntry

    with tempfile.TemporaryDirectory() as folder:
        c = make_container(Path(folder), erasure_grace_days=0)
        user = c.accounts.sign_in_local("books@example.com").user
        with c.db.uow() as uow:
            for n, kind in enumerate(kinds):
                delta = -(n + 1) if kind in ("clawback", "hold") else n + 1
                uow.ledger.add(
                    LedgerEntry(user_id=user.id, delta=delta, kind=kind, reason="r", idempotency_key=f"k{n}")
                )
            uow.commit()
        service = c.of(ErasureService)
        service.schedule(user, "books@example.com")
        assert service.run_due() == 1
        with c.db.reader() as uow:
            tomb = uow.session.execute(text("SELECT id, balance FROM users WHERE role = 'erased'")).one()
            assert tomb.balance == uow.ledger.total(tomb.id)
            kept = uow.session.execute(text("SELECT count(*) FROM ledger_entries")).scalar()
        assert kept == sum(kind in ("purchase", "clawback", "reinstate") for kind in kinds)
