"""The retention sweep, on SQLite and PostgreSQL: every rule runs and each run is recorded with its counts; an
inactive account is warned INACTIVE_WARNING_DAYS ahead and erased on the day (under a frozen clock, across a
daylight-saving change and the leap day), unless its owner signs in; a crash mid-sweep finishes at the next run
with nothing done twice; orphaned files go only once they are old; payment payloads are emptied after their
period only."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from core.container import Container
from core.domain import AuditFilter, Role, UserView
from core.domain.retention import RunStatus, Trigger
from core.errors import PermissionDeniedError
from core.registry import RetentionRule, retention_rules
from core.services.email_messages import day_text
from core.services.erasure import ErasureService
from core.services.retention import RetentionService
from db.repositories.email_outbox import EmailOutboxRepository
from db.tables import Erasure, Image, OrphanBlob, PaymentEventRecord
from tests.factories import MovableClock, create_form, make_container, settle, sign_up

RULES = {"inactive_accounts", "orphan_blobs", "payment_payloads", "sign_ins", "withheld"}
Containers = Callable[..., Container]


def sweep(c: Container) -> dict[str, int]:
    run = c.of(RetentionService).sweep()
    assert run.status == RunStatus.FINISHED, run.error
    return run.counts


def warnings(c: Container, user: UserView) -> list[str]:
    with c.db.reader() as uow:
        messages = uow.of(EmailOutboxRepository).for_user(user.id)
    return [m.body for m in messages if m.kind == "retention_warning"]


def erasures(c: Container, user: UserView) -> list[Erasure]:
    with c.db.reader() as uow:
        return list(uow.session.exec(select(Erasure).where(Erasure.user_id == user.id)).all())


def test_the_sweep_runs_every_rule_and_records_what_each_did(containers: Containers, database_url: str) -> None:
    clock = MovableClock()
    c = containers(database_url, clock=clock, sign_in_retention_days=90)
    sign_up(c)
    clock.advance(days=91)
    sign_up(c, "bob@example.com")
    run = c.of(RetentionService).sweep()
    assert {r.name for r in retention_rules()} >= RULES
    assert run.status == RunStatus.FINISHED and run.trigger == Trigger.SCHEDULE
    assert set(run.counts) == {r.name for r in retention_rules()}
    assert run.counts["sign_ins"] == 1  # alice's sign-in, 91 days old; bob's stays
    assert [r.id for r in c.of(RetentionService).runs(admin(c))] == [run.id]


def admin(c: Container) -> UserView:
    """An admin, made one through the database (as ADMIN_EMAILS would at sign-in)."""
    user = c.accounts.sign_in_local("admin@example.com").user
    with c.db.uow() as uow:
        uow.users.set_role_if(user.id, Role.ADMIN.value, user.role.value)
        uow.commit()
    found = c.accounts.get(user.id)
    assert found is not None
    return found


BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("last_sign_in", "warned", "erased"),
    [
        # Erased on the leap day itself: 730 days after 1 March 2026 is 29 February 2028.
        (datetime(2026, 3, 1, 10, 0, tzinfo=UTC), "2028-01-30", "2028-02-29"),
        # Warned before the leap day, erased after Berlin's clocks went forward (26 March 2028); the clock the
        # server runs on is Berlin's, and nothing shifts by its hour.
        (datetime(2026, 3, 28, 23, 30, tzinfo=BERLIN), "2028-02-26", "2028-03-27"),
    ],
)
def test_an_inactive_account_is_warned_thirty_days_ahead_and_erased_on_the_day(
    containers: Containers, database_url: str, last_sign_in: datetime, warned: str, erased: str
) -> None:
    with time_machine.travel(last_sign_in, tick=False):
        c = containers(database_url)
        user = sign_up(c)
        c.accounts.sign_in_local("someone-else@example.com")
    # Days of 24 hours, counted in UTC: Python adds days to a Berlin time on the wall clock, an hour off here.
    warn_at = last_sign_in.astimezone(UTC) + timedelta(days=700)
    erase_at = last_sign_in.astimezone(UTC) + timedelta(days=730)
    assert f"{warn_at.astimezone(UTC):%Y-%m-%d}" == warned and f"{erase_at.astimezone(UTC):%Y-%m-%d}" == erased

    with time_machine.travel(warn_at - timedelta(seconds=1), tick=False):
        assert sweep(c)["inactive_accounts"] == 0
    assert warnings(c, user) == []
    with time_machine.travel(warn_at, tick=False):
        assert sweep(c)["inactive_accounts"] == 2
        assert sweep(c)["inactive_accounts"] == 0  # the next hour's sweep warns nobody again
    [body] = warnings(c, user)
    assert f"erased on {day_text(erase_at)}" in body and "sign in" in body
    [erasure] = erasures(c, user)
    assert (erasure.cause, erasure.erase_after) == ("inactive", erase_at)

    with time_machine.travel(erase_at - timedelta(seconds=1), tick=False):
        assert c.of(ErasureService).run_due() == 0
    assert c.accounts.get(user.id) is not None
    with time_machine.travel(erase_at, tick=False):
        assert c.of(ErasureService).run_due() == 2
    assert c.accounts.get(user.id) is None


def test_signing_in_during_the_warning_keeps_the_account(containers: Containers, database_url: str) -> None:
    clock = MovableClock()
    c = containers(database_url, clock=clock)
    user = sign_up(c)
    clock.advance(days=700)
    sweep(c)
    assert len(warnings(c, user)) == 1
    clock.advance(days=10)
    c.accounts.sign_in_local(user.email)
    clock.advance(days=30)
    assert c.of(ErasureService).run_due() == 0
    assert c.accounts.get(user.id) is not None
    assert [e.status for e in erasures(c, user)] == ["canceled"]
    assert sweep(c)["inactive_accounts"] == 0  # last seen 30 days ago: nothing to warn about
    clock.advance(days=670)
    sweep(c)
    assert len(warnings(c, user)) == 2  # a new absence, a new warning


def test_signing_in_does_not_cancel_an_erasure_the_user_asked_for(containers: Containers, database_url: str) -> None:
    clock = MovableClock()
    c = containers(database_url, clock=clock, erasure_grace_days=7)
    user = sign_up(c)
    c.of(ErasureService).schedule(user, user.email)
    c.accounts.sign_in_local(user.email)
    assert [(e.status, e.cause) for e in erasures(c, user)] == [("scheduled", "requested")]


def test_the_last_admin_is_never_erased_for_inactivity(containers: Containers, database_url: str) -> None:
    clock = MovableClock()
    c = containers(database_url, clock=clock, admin_emails="boss@example.com,deputy@example.com")
    boss = sign_up(c, "boss@example.com")
    deputy = sign_up(c, "deputy@example.com")
    clock.advance(days=731)
    sweep(c)
    assert sorted(len(warnings(c, u)) for u in (boss, deputy)) == [0, 1]  # one of them stays
    clock.advance(days=31)
    c.of(ErasureService).run_due()
    sweep(c)
    clock.advance(days=400)
    c.of(ErasureService).run_due()
    staying = [u for u in (boss, deputy) if c.accounts.get(u.id) is not None]
    assert len(staying) == 1 and len(warnings(c, staying[0])) == 0


class ProcessDied(BaseException):
    """What a killed process looks like to the sweep: nothing after it runs, nothing is caught."""


def dying_after(rules: list[RetentionRule], name: str) -> list[RetentionRule]:
    def die(_c: Container, _now: datetime) -> int:
        raise ProcessDied

    cut = [r.name for r in rules].index(name) + 1
    return [*rules[:cut], RetentionRule("dies", lambda _s: "", die), *rules[cut:]]


def test_a_sweep_killed_halfway_finishes_at_the_next_run_with_nothing_done_twice(
    containers: Containers, database_url: str
) -> None:
    clock = MovableClock()
    c = containers(database_url, clock=clock)
    user = sign_up(c)
    clock.advance(days=701)
    killed = RetentionService(c.db, c.clock, c, lambda: dying_after(retention_rules(), "inactive_accounts"))
    with pytest.raises(ProcessDied):
        killed.sweep()
    clock.advance(hours=1)
    run = c.of(RetentionService).sweep()
    first, second = sorted(c.of(RetentionService).runs(admin(c)), key=lambda r: r.id)[:2]
    assert first.status == RunStatus.INTERRUPTED and first.finished_at == clock()
    assert first.counts["inactive_accounts"] == 1 and "orphan_blobs" not in first.counts
    assert second.id == run.id and run.status == RunStatus.FINISHED
    assert run.counts["inactive_accounts"] == 0
    assert len(warnings(c, user)) == 1 and len(erasures(c, user)) == 1


def test_a_failing_rule_is_recorded_and_the_others_still_run(containers: Containers, database_url: str) -> None:
    clock = MovableClock()
    c = containers(database_url, clock=clock)
    user = sign_up(c)
    clock.advance(days=701)

    def broken(_c: Container, _now: datetime) -> int:
        raise RuntimeError("the store is away, alice@example.com")

    rules = [RetentionRule("broken", lambda _s: "", broken), *retention_rules()]
    run = RetentionService(c.db, c.clock, c, lambda: rules).sweep()
    assert run.status == RunStatus.FAILED and run.error == "broken: RuntimeError"
    assert "broken" not in run.counts and run.counts["inactive_accounts"] == 1
    assert len(warnings(c, user)) == 1


def put_orphan(store, user_id: int, suffix: str = ".png") -> str:  # type: ignore[no-untyped-def]
    key = f"u{user_id}/{uuid.uuid4().hex}{suffix}"
    store.put(key, b"bytes", "image/png")
    return key


def test_orphaned_files_go_only_once_they_are_old_and_files_with_a_row_are_never_touched(
    containers: Containers, database_url: str
) -> None:
    clock = MovableClock()
    c = containers(database_url, clock=clock)
    user = sign_up(c)
    job = settle(c, user, c.generation.submit(user, create_form(), c.generation.new_token()).id)
    kept = set(c.blobs.keys())
    assert len(kept) == 3 and job.images  # the image, its thumbnail and its preview
    old = put_orphan(c.blobs, user.id)
    withheld = put_orphan(c.withheld, user.id, ".jpg")
    foreign = ["exports/u1/archive.zip", f"u{user.id}/notes.txt"]  # shapes this sweep does not own
    export = "exports/0123456789AB.zip"  # the shape of a stored export, with no stored_exports row
    c.blobs.put(export, b"zip", "application/zip")
    for key in foreign:
        c.blobs.put(key, b"x", "application/octet-stream")

    assert sweep(c)["orphan_blobs"] == 0  # first seen now: they may be rows on their way
    clock.advance(minutes=30)
    young = put_orphan(c.blobs, user.id, ".thumb.webp")
    assert sweep(c)["orphan_blobs"] == 0
    clock.advance(minutes=31)
    assert sweep(c)["orphan_blobs"] == 3  # seen 61 minutes ago, still orphaned
    assert set(c.blobs.keys()) == kept | {young, *foreign}
    assert list(c.withheld.keys()) == []
    assert not c.withheld.exists(withheld) and not c.blobs.exists(old) and not c.blobs.exists(export)
    clock.advance(hours=1)
    assert sweep(c)["orphan_blobs"] == 1
    assert set(c.blobs.keys()) == kept | set(foreign)


def test_an_orphan_that_gets_its_row_is_kept(containers: Containers, database_url: str) -> None:
    clock = MovableClock()
    c = containers(database_url, clock=clock)
    user = sign_up(c)
    settle(c, user, c.generation.submit(user, create_form(), c.generation.new_token()).id)
    kept = set(c.blobs.keys())
    with c.db.uow() as uow:  # the job's row is gone for a moment, as if its files were written first
        rows = uow.session.exec(select(Image)).all()
        saved = [(r.id, r.blob_key, r.thumb_key, r.preview_key) for r in rows]
        for r in rows:
            r.blob_key, r.thumb_key, r.preview_key = "elsewhere", "elsewhere-thumb", None
        uow.commit()
    sweep(c)
    with c.db.uow() as uow:
        for image_id, blob, thumb, preview in saved:
            row = uow.session.get(Image, image_id)
            assert row is not None
            row.blob_key, row.thumb_key, row.preview_key = blob, thumb, preview
        uow.commit()
    clock.advance(hours=2)
    assert sweep(c)["orphan_blobs"] == 0
    assert set(c.blobs.keys()) == kept


def payment_event(c: Container, event_id: str, received_at: datetime, state: str = "applied") -> None:
    with c.db.uow() as uow:
        uow.session.add(
            PaymentEventRecord(
                provider="stripe",
                event_id=event_id,
                type="checkout.session.completed",
                state=state,
                payment_ref=f"pi_{event_id}",
                payload={"customer_email": "alice@example.com"},
                received_at=received_at,
            )
        )
        uow.commit()


def payloads(c: Container) -> dict[str, dict[str, object]]:
    with c.db.reader() as uow:
        return {e.event_id: e.payload for e in uow.session.exec(select(PaymentEventRecord)).all()}


def test_payment_payloads_are_emptied_after_their_period_only(containers: Containers, database_url: str) -> None:
    clock = MovableClock()
    c = containers(database_url, clock=clock, payment_payload_retention_days=400)
    payment_event(c, "old", clock() - timedelta(days=400, seconds=1))
    payment_event(c, "recent", clock() - timedelta(days=399))
    payment_event(c, "waiting", clock() - timedelta(days=500), state="waiting")
    assert sweep(c)["payment_payloads"] == 1
    found = payloads(c)
    assert found["old"] == {} and found["recent"] and found["waiting"]
    assert sweep(c)["payment_payloads"] == 0  # already empty: nothing done twice
    clock.advance(days=2)
    assert sweep(c)["payment_payloads"] == 1


def test_an_admin_runs_the_sweep_now_and_it_is_audited(containers: Containers, database_url: str) -> None:
    c = containers(database_url)
    boss = admin(c)
    run = c.of(RetentionService).run_now(boss)
    assert run.trigger == Trigger.ADMIN and run.status == RunStatus.FINISHED
    entries = c.admin.audit_log(boss, AuditFilter()).items
    assert "retention.swept" in [e.action for e in entries]
    with pytest.raises(PermissionDeniedError):
        c.of(RetentionService).run_now(sign_up(c, "mallory@example.com"))


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    first_sweep_days=st.integers(0, 1500),
    gaps_hours=st.lists(st.integers(1, 24 * 45), min_size=1, max_size=40),
)
def test_no_account_is_erased_without_the_whole_warning_however_the_sweeps_fall(
    tmp_path: Path, first_sweep_days: int, gaps_hours: list[int]
) -> None:
    """Sweeps at any times (the first one maybe long after the account went quiet: a server that was off, or
    this feature arriving): an account is warned no sooner than 700 days after its last sign-in, and erased no
    sooner than 730 days after it and 30 days after its warning."""
    clock = MovableClock()
    c = make_container(tmp_path, clock=clock)
    last_seen = clock()
    user = sign_up(c)
    clock.advance(days=first_sweep_days)
    warned_at: datetime | None = None
    try:
        for gap in gaps_hours:
            sweep(c)
            if warned_at is None and warnings(c, user):
                warned_at = clock()
                assert warned_at - last_seen >= timedelta(days=700)
            c.of(ErasureService).run_due()
            if c.accounts.get(user.id) is None:
                assert warned_at is not None and clock() - warned_at >= timedelta(days=30)
                assert clock() - last_seen >= timedelta(days=730)
                event("erased")
                return
            clock.advance(hours=gap)
    finally:
        c.db.engine.dispose()


def test_an_erased_users_noted_orphans_go_with_them(containers: Containers, database_url: str) -> None:
    clock = MovableClock()
    c = containers(database_url, clock=clock, erasure_grace_days=0)
    user = sign_up(c)
    other = sign_up(c, "bob@example.com")
    put_orphan(c.blobs, user.id)
    kept = put_orphan(c.blobs, other.id)
    sweep(c)
    c.of(ErasureService).schedule(user, user.email)
    assert c.of(ErasureService).run_due() == 1
    with c.db.reader() as uow:
        noted = uow.session.exec(select(OrphanBlob.key)).all()
    assert noted == [kept]
