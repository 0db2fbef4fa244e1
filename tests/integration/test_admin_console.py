"""The admin console on SQLite and PostgreSQL: only admins get in, every change is audited in its own
transaction, the audit log cannot be changed afterwards, and its export opens safely in a spreadsheet."""

from __future__ import annotations

import ast
import csv
import io
import json
import re
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
import sqlalchemy
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import col, select

import core.services.admin as admin_service
import db.tables
from core.bootstrap import Container
from core.domain import AuditFilter, Role, UserView
from core.errors import InsufficientCreditsError, NotFoundError, PermissionDeniedError, ValidationError
from db.repositories import AuditRepository, UserRepository
from db.tables import AuditEntry, Image, LedgerEntry, User
from tests.factories import ledger_sum, refreshed, sign_up
from tests.races import outcomes_at_once

ROOT = Path(__file__).resolve().parents[2]
ADMIN = "admin@example.com"
STARTER = 20
BOM = b"\xef\xbb\xbf"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# Builders and readers -----------------------------------------------------------------------------


def console(containers: Callable[..., Container], database_url: str, **kwargs: object) -> tuple[Container, UserView]:
    """A container whose ADMIN_EMAILS names ADMIN, and that admin, signed in."""
    c = containers(database_url, admin_emails=ADMIN, starter_credits=STARTER, **kwargs)
    return c, sign_up(c, ADMIN)


def audit_rows(c: Container) -> list[AuditEntry]:
    with c.db.reader() as uow:
        return list(uow.session.exec(select(AuditEntry).order_by(col(AuditEntry.id))).all())


def adjustments(c: Container, user: UserView) -> list[LedgerEntry]:
    with c.db.reader() as uow:
        query = select(LedgerEntry).where(LedgerEntry.user_id == user.id, LedgerEntry.kind == "adjustment")
        return list(uow.session.exec(query.order_by(col(LedgerEntry.id))).all())


def everything(c: Container) -> tuple[list[tuple[object, ...]], ...]:
    """Every role, balance, ledger row and audit row: what "nothing changed" compares."""
    with c.db.reader() as uow:
        users = uow.session.exec(select(User.id, User.role, User.balance).order_by(col(User.id))).all()
        ledger = uow.session.exec(
            select(LedgerEntry.id, LedgerEntry.user_id, LedgerEntry.delta).order_by(col(LedgerEntry.id))
        ).all()
        audit = uow.session.exec(
            select(AuditEntry.id, AuditEntry.action, AuditEntry.subject, AuditEntry.details).order_by(
                col(AuditEntry.id)
            )
        ).all()
    return [tuple(r) for r in users], [tuple(r) for r in ledger], [tuple(r) for r in audit]


def add_audit_entries(c: Container, entries: list[tuple[int | None, str, datetime]]) -> list[int]:
    """Audit rows at chosen times (actor id, action, when), oldest first; returns their ids."""
    ids = []
    with c.db.uow() as uow:
        for actor_id, action, when in entries:
            entry = AuditEntry(actor_id=actor_id, action=action, subject="user:1", details="{}", created_at=when)
            uow.audit.add(entry)
            ids.append(entry.id)
        uow.commit()
    return ids  # type: ignore[return-value]


def add_images(c: Container, user: UserView, count: int) -> None:
    with c.db.uow() as uow:
        for _ in range(count):
            key = uuid.uuid4().hex
            uow.images.add(
                Image(
                    public_id=key,
                    user_id=user.id,
                    source="upload",
                    blob_key=f"o/{key}",
                    thumb_key=f"t/{key}",
                    content_type="image/png",
                    width=8,
                    height=8,
                    size_bytes=100,
                )
            )
        uow.commit()


def make_admin(c: Container, admin: UserView, email: str) -> UserView:
    user = sign_up(c, email)
    c.admin.set_role(admin, user.id, Role.ADMIN)
    return refreshed(c, user)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


# 1. Only admins ------------------------------------------------------------------------------------

ADMIN_CALLS: dict[str, Callable[[Container, UserView], object]] = {
    "users": lambda c, actor: c.admin.users(actor),
    "set_role": lambda c, actor: c.admin.set_role(actor, actor.id, Role.ADMIN),
    "adjust_credits": lambda c, actor: c.admin.adjust_credits(actor, actor.id, 500, "I deserve more", "self-grant"),
    "audit_log": lambda c, actor: c.admin.audit_log(actor, AuditFilter()),
    "audit_filters": lambda c, actor: c.admin.audit_filters(actor),
    "audit_csv": lambda c, actor: c.admin.audit_csv(actor, AuditFilter()),
}


@pytest.mark.parametrize("method", sorted(ADMIN_CALLS))
def test_users_and_team_members_are_refused_every_admin_action_and_nothing_changes(
    containers, database_url: str, method: str
) -> None:
    c, admin = console(containers, database_url)
    bob = sign_up(c, "bob@example.com")
    tess = sign_up(c, "tess@example.com")
    c.admin.set_role(admin, tess.id, Role.TEAM)
    tess = refreshed(c, tess)
    assert tess.role == Role.TEAM
    before = everything(c)

    for actor in (bob, tess):
        with pytest.raises(PermissionDeniedError, match="Only admins can do this"):
            ADMIN_CALLS[method](c, actor)

    assert everything(c) == before
    assert refreshed(c, bob).role == Role.USER and refreshed(c, tess).role == Role.TEAM
    ADMIN_CALLS[method](c, admin)  # the same call is allowed to an admin: the refusal was about the role


def test_an_admin_demoted_by_another_is_refused_at_once_though_their_page_still_says_admin(
    containers, database_url: str
) -> None:
    c, first = console(containers, database_url)
    second = make_admin(c, first, "second@example.com")

    c.admin.set_role(second, first.id, Role.USER)

    assert first.role == Role.ADMIN  # what the demoted admin's page still holds
    with pytest.raises(PermissionDeniedError):
        c.admin.users(first)
    with pytest.raises(PermissionDeniedError):
        c.admin.set_role(first, second.id, Role.USER)
    with pytest.raises(PermissionDeniedError):
        c.admin.adjust_credits(first, first.id, 100, "one last grant", "after-demotion")
    assert refreshed(c, second).role == Role.ADMIN
    assert refreshed(c, first).balance == STARTER


# 3. Roles --------------------------------------------------------------------------------------------


def test_changing_a_role_takes_effect_and_writes_exactly_one_audit_row(containers, database_url: str) -> None:
    c, admin = console(containers, database_url)
    bob = sign_up(c, "bob@example.com")
    before = len(audit_rows(c))

    c.admin.set_role(admin, bob.id, Role.TEAM)

    assert refreshed(c, bob).role == Role.TEAM
    rows = audit_rows(c)[before:]
    assert [(r.actor_id, r.action, r.subject) for r in rows] == [(admin.id, "role.changed", f"user:{bob.id}")]
    assert json.loads(rows[0].details) == {"old": "user", "new": "team"}
    newest = c.admin.audit_log(admin, AuditFilter()).items[0]
    assert (newest.actor, newest.action) == (ADMIN, "role.changed")

    c.admin.set_role(admin, bob.id, Role.TEAM)  # already team: nothing to record
    assert len(audit_rows(c)) == before + 1


def test_the_last_admin_cannot_be_demoted_and_nothing_is_written(containers, database_url: str) -> None:
    c, admin = console(containers, database_url)
    before = everything(c)

    for role in (Role.TEAM, Role.USER):
        with pytest.raises(ValidationError, match="last admin"):
            c.admin.set_role(admin, admin.id, role)

    assert everything(c) == before
    assert refreshed(c, admin).role == Role.ADMIN
    # With a second admin, the first may step down; then the second is the last one.
    second = make_admin(c, admin, "second@example.com")
    c.admin.set_role(admin, admin.id, Role.USER)
    with pytest.raises(ValidationError, match="last admin"):
        c.admin.set_role(second, second.id, Role.USER)
    assert refreshed(c, second).role == Role.ADMIN


def test_a_promotion_from_admin_emails_at_sign_in_is_audited_with_the_system_as_actor(
    containers, database_url: str
) -> None:
    c, admin = console(containers, database_url)
    assert admin.role == Role.ADMIN

    rows = audit_rows(c)
    assert [(r.actor_id, r.action, r.subject) for r in rows] == [(None, "role.changed", f"user:{admin.id}")]
    assert json.loads(rows[0].details) == {"old": "user", "new": "admin", "by": "ADMIN_EMAILS"}
    assert c.admin.audit_log(admin, AuditFilter()).items[0].actor == "system"

    sign_up(c, ADMIN)  # signing in again: already an admin, nothing to record
    sign_up(c, "bob@example.com")  # not listed: stays a user, nothing to record
    assert len(audit_rows(c)) == 1


def test_two_admins_demoting_each_other_at_the_same_moment_leave_one_admin(
    containers, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    c, first = console(containers, database_url)
    second = make_admin(c, first, "second@example.com")
    # Both transactions count the admins before either changes a role: the moment two clicks can share.
    both_counted = threading.Barrier(2, timeout=0.5)
    count = UserRepository.count_with_role

    def count_then_wait(self: UserRepository, role: str) -> int:
        found = count(self, role)
        try:
            both_counted.wait()
        except threading.BrokenBarrierError:
            pass  # the database made the other transaction wait for this one (SQLite's write lock)
        return found

    monkeypatch.setattr(UserRepository, "count_with_role", count_then_wait)
    outcomes: list[str] = []

    def demote(actor: UserView, target: UserView) -> None:
        try:
            c.admin.set_role(actor, target.id, Role.USER)
            outcomes.append("demoted")
        except (ValidationError, PermissionDeniedError) as exc:
            outcomes.append(type(exc).__name__)

    threads = [
        threading.Thread(target=demote, args=(first, second)),
        threading.Thread(target=demote, args=(second, first)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert len(outcomes) == 2 and outcomes.count("demoted") == 1
    roles = {refreshed(c, first).role, refreshed(c, second).role}
    assert roles == {Role.ADMIN, Role.USER}


# 4 and 5. Credit adjustments ------------------------------------------------------------------------


def test_a_grant_and_a_deduction_each_add_one_ledger_row_signed_by_the_admin(containers, database_url: str) -> None:
    c, admin = console(containers, database_url)
    bob = sign_up(c, "bob@example.com")

    assert c.admin.adjust_credits(admin, bob.id, 15, "Refund for   a failed job", "grant-1") is True
    assert c.admin.adjust_credits(admin, bob.id, -5, "Correction of a double grant", "deduct-1") is True

    rows = adjustments(c, bob)
    assert [(r.delta, r.reason, r.actor_id) for r in rows] == [
        (15, "Refund for a failed job", admin.id),
        (-5, "Correction of a double grant", admin.id),
    ]
    assert refreshed(c, bob).balance == STARTER + 10 == ledger_sum(c, bob)
    audited = [r for r in audit_rows(c) if r.action == "credits.adjusted"]
    assert [(r.actor_id, r.subject, json.loads(r.details)) for r in audited] == [
        (admin.id, f"user:{bob.id}", {"amount": 15, "reason": "Refund for a failed job"}),
        (admin.id, f"user:{bob.id}", {"amount": -5, "reason": "Correction of a double grant"}),
    ]


def test_the_same_form_token_twice_adjusts_credits_once(containers, database_url: str) -> None:
    c, admin = console(containers, database_url)
    bob = sign_up(c, "bob@example.com")

    assert c.admin.adjust_credits(admin, bob.id, 7, "Goodwill after an outage", "double-click") is True
    assert c.admin.adjust_credits(admin, bob.id, 7, "Goodwill after an outage", "double-click") is False

    assert len(adjustments(c, bob)) == 1
    assert len([r for r in audit_rows(c) if r.action == "credits.adjusted"]) == 1
    assert refreshed(c, bob).balance == STARTER + 7 == ledger_sum(c, bob)


def test_a_deduction_larger_than_the_balance_is_refused_and_changes_nothing(containers, database_url: str) -> None:
    c, admin = console(containers, database_url)
    bob = sign_up(c, "bob@example.com")
    before = everything(c)

    with pytest.raises(InsufficientCreditsError, match=f"balance is {STARTER}"):
        c.admin.adjust_credits(admin, bob.id, -(STARTER + 1), "Clawback of a refund", "too-much")

    assert everything(c) == before
    # Taking exactly the balance is allowed, and leaves zero.
    assert c.admin.adjust_credits(admin, bob.id, -STARTER, "Clawback of a refund", "all-of-it") is True
    assert refreshed(c, bob).balance == 0 == ledger_sum(c, bob)


def test_a_zero_or_huge_amount_or_a_short_reason_is_refused_with_a_message(containers, database_url: str) -> None:
    c, admin = console(containers, database_url)
    bob = sign_up(c, "bob@example.com")
    before = everything(c)
    refused = [
        (0, "A fine reason", "amount from 1 to 1,000,000"),
        (1_000_001, "A fine reason", "amount from 1 to 1,000,000"),
        (-1_000_001, "A fine reason", "amount from 1 to 1,000,000"),
        (5, "ok", "reason of 3 to 300 characters"),
        (5, "  ab \n\t ", "reason of 3 to 300 characters"),  # "ab" once spaces are tidied
        (5, "x" * 301, "301 characters long; the limit is 300"),
    ]
    for number, (amount, reason, message) in enumerate(refused):
        with pytest.raises(ValidationError, match=message):
            c.admin.adjust_credits(admin, bob.id, amount, reason, f"bad-{number}")
    assert everything(c) == before


def test_an_admin_action_on_an_unknown_user_says_so_and_changes_nothing(containers, database_url: str) -> None:
    c, admin = console(containers, database_url)
    before = everything(c)
    with pytest.raises(NotFoundError, match="No such user"):
        c.admin.adjust_credits(admin, 9999, 5, "Goodwill after an outage", "nobody")
    with pytest.raises(NotFoundError, match="No such user"):
        c.admin.set_role(admin, 9999, Role.TEAM)
    assert everything(c) == before


def test_a_double_click_racing_on_one_adjustment_token_adjusts_once_and_says_nothing_alarming(
    containers, database_url: str
) -> None:
    c, admin = console(containers, database_url)
    bob = sign_up(c, "bob@example.com")
    rounds, clicks = 3, 4
    outcomes: list[object] = []
    for n in range(rounds):
        click = partial(c.admin.adjust_credits, admin, bob.id, 1, "Goodwill after an outage", f"double-{n}")
        outcomes += outcomes_at_once(*[click] * clicks)  # an error is what the admin's page would be handed

    assert len(outcomes) == rounds * clicks
    assert sorted(outcomes, key=str) == [False] * (rounds * (clicks - 1)) + [True] * rounds, outcomes
    assert refreshed(c, bob).balance == STARTER + rounds == ledger_sum(c, bob)


def test_when_the_audit_row_cannot_be_written_the_change_is_not_kept_either(
    containers, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    c, admin = console(containers, database_url)
    bob = sign_up(c, "bob@example.com")
    before = everything(c)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(admin_service.audit, "record", broken)
    with pytest.raises(RuntimeError):
        c.admin.adjust_credits(admin, bob.id, 50, "Refund for a failed job", "unaudited")
    with pytest.raises(RuntimeError):
        c.admin.adjust_credits(admin, bob.id, -5, "Correction of a double grant", "unaudited-deduction")
    with pytest.raises(RuntimeError):
        c.admin.set_role(admin, bob.id, Role.ADMIN)

    assert everything(c) == before
    assert refreshed(c, bob).balance == STARTER == ledger_sum(c, bob)
    assert refreshed(c, bob).role == Role.USER
    monkeypatch.undo()
    # The token was not used up by the failed attempt: the admin's retry goes through, audited.
    assert c.admin.adjust_credits(admin, bob.id, 50, "Refund for a failed job", "unaudited") is True
    assert refreshed(c, bob).balance == STARTER + 50 == ledger_sum(c, bob)
    assert audit_rows(c)[-1].action == "credits.adjusted"


# 6. The audit log -----------------------------------------------------------------------------------


def day(d: int, hour: int = 12, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 3, d, hour, minute, second, tzinfo=UTC)


def test_the_audit_log_filters_by_actor_action_and_days_newest_first(containers, database_url: str) -> None:
    c, admin = console(containers, database_url)
    second = make_admin(c, admin, "second@example.com")
    a, s = admin.id, second.id
    ids = add_audit_entries(
        c,
        [
            (a, "credits.adjusted", day(1, 23, 59, 59)),
            (s, "role.changed", day(2, 0, 0, 0)),
            (a, "role.changed", day(3)),
            (s, "credits.adjusted", day(4, 23, 59, 59)),
            (a, "credits.adjusted", day(5, 0, 0, 0)),
        ],
    )

    def shown(filters: AuditFilter) -> list[int]:
        page = c.admin.audit_log(admin, filters)
        assert page.total == len(page.items) and page.next_cursor is None
        times = [item.created_at for item in page.items]
        assert times == sorted(times, reverse=True)  # newest first
        return [item.id for item in page.items if item.id in ids]

    by_second = c.admin.audit_log(admin, AuditFilter(actor_id=s))
    assert {item.actor for item in by_second.items} == {"second@example.com"}
    assert shown(AuditFilter(actor_id=s)) == [ids[3], ids[1]]
    assert shown(AuditFilter(action="credits.adjusted")) == [ids[4], ids[3], ids[0]]
    assert shown(AuditFilter(actor_id=a, action="credits.adjusted")) == [ids[4], ids[0]]
    # Days are whole UTC days, both ends included.
    in_range = AuditFilter(since=date(2026, 3, 2), until=date(2026, 3, 4))
    assert shown(in_range) == [ids[3], ids[2], ids[1]]
    assert c.admin.audit_log(admin, in_range).total == 3
    assert shown(AuditFilter(since=date(2026, 3, 5), until=date(2026, 3, 5))) == [ids[4]]
    assert shown(AuditFilter(until=date(2026, 3, 1))) == [ids[0]]
    everything_shown = c.admin.audit_log(admin, AuditFilter()).items
    assert [item.id for item in everything_shown] == sorted((item.id for item in everything_shown), reverse=True)

    actors, actions = c.admin.audit_filters(admin)
    assert actors == [(a, ADMIN), (s, "second@example.com")]
    assert actions == ["credits.adjusted", "role.changed"]


def test_paging_through_the_audit_log_shows_every_row_exactly_once(containers, database_url: str) -> None:
    c, admin = console(containers, database_url)
    c.admin.audit_page_size = 3
    start = datetime(2026, 3, 1, tzinfo=UTC)
    add_audit_entries(
        c, [(admin.id, "credits.adjusted" if n % 4 else "role.changed", start + timedelta(hours=n)) for n in range(9)]
    )
    matching = AuditFilter(action="credits.adjusted")  # 6 of the 9, plus nothing else

    seen: list[int] = []
    cursor: int | None = None
    pages = 0
    while True:
        page = c.admin.audit_log(admin, matching, before_id=cursor)
        pages += 1
        assert page.total == 6
        assert len(page.items) <= 3
        seen += [item.id for item in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
        assert pages < 10
    assert pages == 2
    with c.db.reader() as uow:
        expected = uow.session.exec(
            select(AuditEntry.id).where(AuditEntry.action == "credits.adjusted").order_by(col(AuditEntry.id).desc())
        ).all()
    assert seen == list(expected)


# 7. The CSV export ----------------------------------------------------------------------------------


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_the_audit_export_opens_safely_in_a_spreadsheet_and_is_itself_audited(containers, database_url: str) -> None:
    c, admin = console(containers, database_url)
    bob = sign_up(c, "bob@example.com")
    formula = '=HYPERLINK("http://evil","x")'
    c.admin.adjust_credits(admin, bob.id, 5, formula, "formula")
    # Addresses may start like a formula; the actor column shows them as text.
    tricky = ["+1@example.com", "-2@example.com", "=1+2@example.com"]
    for number, email in enumerate(tricky):
        other = make_admin(c, admin, email)
        c.admin.adjust_credits(other, bob.id, 1, "+1 for the report", f"tricky-{number}")
    log = c.admin.audit_log(admin, AuditFilter()).items

    data = c.admin.audit_csv(admin, AuditFilter())

    assert data.startswith(BOM)
    rows = read_csv(data)
    assert rows[0] == ["time_utc", "actor", "action", "subject", "details"]
    body = rows[1:]
    assert len(body) == len(log)
    for row, item in zip(body, log, strict=True):  # the same rows, newest first
        actor = "'" + item.actor if item.actor.startswith(FORMULA_STARTS) else item.actor
        assert row == [item.created_at.strftime("%Y-%m-%d %H:%M:%S"), actor, item.action, item.subject, item.details]
    assert sorted(row[1] for row in body if row[1].startswith("'")) == sorted("'" + email for email in tricky)
    assert not any(cell.startswith(FORMULA_STARTS) for row in body for cell in row)
    granted = [json.loads(row[4]) for row in body if row[2] == "credits.adjusted"]
    assert {"amount": 5, "reason": formula} in granted

    exported = audit_rows(c)[-1]
    assert (exported.actor_id, exported.action, exported.subject) == (admin.id, "audit.exported", "audit_log")
    assert json.loads(exported.details) == {"rows": len(body), "filters": {}}


@pytest.mark.parametrize("kind", ["action", "actor", "days"])
def test_a_filtered_export_holds_only_the_matching_rows_and_records_the_filter(
    containers, database_url: str, kind: str
) -> None:
    c, admin = console(containers, database_url)
    bob = sign_up(c, "bob@example.com")
    c.admin.adjust_credits(admin, bob.id, 5, "Goodwill after an outage", "g1")
    c.admin.set_role(admin, bob.id, Role.TEAM)
    c.admin.adjust_credits(admin, bob.id, -2, "Correction of a double grant", "g2")
    first, last = audit_rows(c)[0].created_at.date(), audit_rows(c)[-1].created_at.date()
    filters, actions, recorded = {
        "action": (AuditFilter(action="credits.adjusted"), ["credits.adjusted"] * 2, {"action": "credits.adjusted"}),
        "actor": (
            AuditFilter(actor_id=admin.id),
            ["credits.adjusted", "role.changed", "credits.adjusted"],
            {"actor_id": str(admin.id)},
        ),
        "days": (
            AuditFilter(since=first, until=last),
            ["credits.adjusted", "role.changed", "credits.adjusted", "role.changed"],
            {"since": str(first), "until": str(last)},
        ),
    }[kind]

    rows = read_csv(c.admin.audit_csv(admin, filters))[1:]

    assert [row[2] for row in rows] == actions
    assert [json.loads(row[4]).get("amount") for row in rows if row[2] == "credits.adjusted"] == [-2, 5]
    exported = audit_rows(c)[-1]
    assert exported.action == "audit.exported"
    assert json.loads(exported.details) == {"rows": len(actions), "filters": recorded}


# 8. Append-only ------------------------------------------------------------------------------------


# Each way code could change or remove an audit row, written as that code: the database must refuse every one when
# it runs, and the scan of the code base below must find each (all but an attribute set on a loaded row, which only
# the database can catch).
TAMPERING = {
    "raw_update": "session.execute(text(\"UPDATE audit_log SET action = 'x'\"))",
    "raw_delete": "session.execute(text('DELETE FROM audit_log WHERE id = 1'))",
    "core_update": "session.execute(sa.update(AuditEntry).values(action='x'))",
    "core_delete": "session.execute(sa.delete(tables.AuditEntry))",
    "table_delete": "session.execute(AuditEntry.__table__.delete())",
    "driver_sql": "session.connection().exec_driver_sql('update  audit_log set action = 1')",
    "orm_delete": "from db.tables import AuditEntry\nsession.delete(entry)\nsession.flush()",
    "orm_change": 'entry.details = \'{"old": "user", "new": "user"}\'\nsession.flush()',
}
UNSCANNABLE = {"orm_change"}


@pytest.mark.parametrize("tamper", TAMPERING)
def test_the_database_refuses_every_way_of_changing_or_removing_audit_rows(
    containers, database_url: str, tamper: str
) -> None:
    c, admin = console(containers, database_url)
    c.admin.set_role(admin, sign_up(c, "bob@example.com").id, Role.TEAM)
    before = everything(c)[2]
    assert len(before) == 2

    with c.db.uow() as uow:
        entry = uow.session.exec(select(AuditEntry).order_by(col(AuditEntry.id))).first()
        code = {"session": uow.session, "entry": entry, "text": text, "sa": sqlalchemy, "tables": db.tables}
        with pytest.raises(DBAPIError, match="append-only"):
            exec(TAMPERING[tamper], {**code, "AuditEntry": AuditEntry})
            uow.commit()

    assert everything(c)[2] == before
    assert bool(audit_log_writes(TAMPERING[tamper])) is (tamper not in UNSCANNABLE)


AUDIT_SQL = re.compile(r"\b(update\s+audit_log|delete\s+from\s+audit_log|truncate\s+(table\s+)?audit_log)\b", re.I)
TRIGGER_MIGRATIONS = {
    ROOT / "db" / "migrations" / "versions" / name for name in ("0003_accounts.py", "0008_privacy.py")
}
# The one writer allowed: an erasure clears the person's id from the rows naming them (its two UPDATEs, checked below).
PSEUDONYMISER = ROOT / "db" / "repositories" / "audit_pseudonyms.py"


def _is_audit_entry(node: ast.AST) -> bool:
    return (isinstance(node, ast.Name) and node.id == "AuditEntry") or (
        isinstance(node, ast.Attribute) and node.attr == "AuditEntry"
    )


def audit_log_writes(source: str) -> list[str]:
    """Every place in a module's source that would change or remove audit rows, however it is spelled."""
    found = [match.group(0) for match in AUDIT_SQL.finditer(source)]
    uses_audit_entries = "AuditEntry" in source
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if name in {"update", "delete"} and any(_is_audit_entry(arg) for arg in node.args):
            found.append(f"{name}(AuditEntry) at line {node.lineno}")
        if (
            isinstance(func, ast.Attribute)
            and name in {"update", "delete"}
            and isinstance(func.value, ast.Attribute)
            and func.value.attr == "__table__"
            and _is_audit_entry(func.value.value)
        ):
            found.append(f"AuditEntry.__table__.{name}() at line {node.lineno}")
        if uses_audit_entries and isinstance(func, ast.Attribute) and name in {"delete", "merge"}:
            found.append(f".{name}(...) in a module that handles audit rows, at line {node.lineno}")
    return found


def test_no_code_path_changes_or_removes_audit_rows() -> None:
    found = {}
    for folder in ("core", "db", "pages"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path in TRIGGER_MIGRATIONS:
                continue
            if problems := audit_log_writes(path.read_text()):
                found[str(path.relative_to(ROOT))] = problems
    pseudonymiser = found.pop(str(PSEUDONYMISER.relative_to(ROOT)))
    assert found == {}
    assert len(pseudonymiser) == 2 and all(p.startswith("update(AuditEntry)") for p in pseudonymiser)
    assert ".values(subject=ERASED_SUBJECT)" in PSEUDONYMISER.read_text()
    assert ".values(actor_id=None)" in PSEUDONYMISER.read_text()

    public = {name for name, value in vars(AuditRepository).items() if callable(value) and not name.startswith("_")}
    assert public == {"add", "page", "count", "actors", "actions"}


# 9. The users list -----------------------------------------------------------------------------------


def test_the_user_list_finds_part_of_an_email_or_name_in_any_case(containers, database_url: str) -> None:
    clock = Clock(datetime(2026, 3, 1, 9, 30, tzinfo=UTC))
    c, admin = console(containers, database_url, clock=clock)
    carol = sign_up(c, "carol@example.org")
    c.accounts.rename(carol, "Carol Danvers")
    bob = sign_up(c, "bob@example.com")
    clock.now = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
    bob = sign_up(c, "bob@example.com")  # his latest sign-in is the one shown
    add_images(c, bob, 3)
    c.admin.adjust_credits(admin, bob.id, 5, "Goodwill after an outage", "bob-5")

    def found(search: str) -> list[str]:
        page = c.admin.users(admin, search)
        assert page.total == len(page.items)
        return [row.email for row in page.items]

    assert found("DANV") == ["carol@example.org"]
    assert found("carol d") == ["carol@example.org"]
    assert found("EXAMPLE.ORG") == ["carol@example.org"]
    assert found("  Bob@Ex  ") == ["bob@example.com"]
    assert found("example.com") == [ADMIN, "bob@example.com"]
    assert found("") == [ADMIN, "carol@example.org", "bob@example.com"]
    assert found("nobody") == []

    row = c.admin.users(admin, "bob").items[0]
    assert (row.id, row.display_name, row.role) == (bob.id, "bob", Role.USER)
    assert (row.balance, row.image_count) == (STARTER + 5, 3)
    assert row.last_sign_in_at == datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
    carol_row = c.admin.users(admin, "carol").items[0]
    assert (carol_row.display_name, carol_row.image_count) == ("Carol Danvers", 0)
    assert carol_row.last_sign_in_at == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def test_a_search_for_an_accented_name_finds_it_in_any_case(containers, database_url: str) -> None:
    c, admin = console(containers, database_url)
    emile = sign_up(c, "emile@example.com")
    c.accounts.rename(emile, "Émile Zoë")

    for search in ("Émile", "émile", "ÉMILE", "zoë", "ZOË"):
        assert [row.id for row in c.admin.users(admin, search).items] == [emile.id], search


def test_a_search_with_percent_or_underscore_matches_them_literally(containers, database_url: str) -> None:
    c, admin = console(containers, database_url)
    for email, name in [
        ("a_b@example.com", ""),
        ("axb@example.com", ""),
        ("cotton@example.com", "100% Cotton"),
        ("wool@example.com", "1000 Wool"),
        ("back@example.com", "back\\slash"),
    ]:
        user = sign_up(c, email)
        if name:
            c.accounts.rename(user, name)

    assert [row.email for row in c.admin.users(admin, "a_b").items] == ["a_b@example.com"]
    assert [row.email for row in c.admin.users(admin, "100%").items] == ["cotton@example.com"]
    assert [row.email for row in c.admin.users(admin, "%").items] == ["cotton@example.com"]
    assert [row.email for row in c.admin.users(admin, "_").items] == ["a_b@example.com"]
    assert [row.email for row in c.admin.users(admin, "k\\s").items] == ["back@example.com"]
    assert c.admin.users(admin, "%").total == 1


def test_paging_through_the_user_list_shows_every_user_exactly_once(containers, database_url: str) -> None:
    c, admin = console(containers, database_url)
    c.admin.user_page_size = 2
    users = [admin] + [sign_up(c, f"user{n}@example.com") for n in range(4)] + [sign_up(c, "zed@example.org")]

    def walk(search: str) -> tuple[list[int], set[int]]:
        seen: list[int] = []
        totals: set[int] = set()
        cursor: int | None = None
        for _ in range(10):
            page = c.admin.users(admin, search, after_id=cursor)
            assert len(page.items) <= 2
            seen += [row.id for row in page.items]
            totals.add(page.total)
            cursor = page.next_cursor
            if cursor is None:
                break
        return seen, totals

    assert walk("") == ([u.id for u in users], {6})
    assert walk("example.com") == ([u.id for u in users[:5]], {5})
    assert walk("user3") == ([users[4].id], {1})
