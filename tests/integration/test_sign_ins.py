"""Sign-in on both databases: identity by (issuer, subject), one account and one starter grant even when tabs race,
sessions that end (sign-out, sign out everywhere else, age), admins from ADMIN_EMAILS, and retention."""

from __future__ import annotations

import threading
from datetime import timedelta
from functools import partial

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlmodel import select

from core.domain import Role
from core.errors import SessionEndedError
from core.identity import ClientInfo
from db.tables import AuditEntry, LedgerEntry, SignIn, User
from tests.factories import MovableClock, identity, ledger_sum, make_container
from tests.hypothesis_sizes import examples
from tests.races import at_once
from tests.waiting import wait_until_async

PHONE = ClientInfo(ip_prefix="203.0.113.0/24", browser="Mobile Safari 17", os="iOS")


def users_with_subject(c, sub: str) -> list[User]:  # type: ignore[no-untyped-def]
    with c.db.reader() as uow:
        return list(uow.session.exec(select(User).where(User.subject == sub)).all())


def test_the_first_sign_in_creates_the_account_and_grants_the_starter_credits_once(containers, database_url) -> None:
    clock = MovableClock()
    c = containers(database_url, clock=clock, starter_credits=20)
    first = c.accounts.resume(identity(issued_at=clock(), browser="laptop"), PHONE).user
    clock.advance(days=1)
    again = c.accounts.resume(identity(issued_at=clock(), browser="phone"), PHONE).user
    assert first.id == again.id and again.balance == 20 == ledger_sum(c, again)
    assert [e.reason for e in c.credits.ledger_page(again).items] == ["Starter credits"]


def test_the_account_is_the_issuer_and_subject_so_a_changed_email_is_picked_up(containers, database_url) -> None:
    clock = MovableClock()
    c = containers(database_url, clock=clock)
    before = c.accounts.resume(identity("s-1", "old@example.com", issued_at=clock(), browser="a"), PHONE).user
    after = c.accounts.resume(identity("s-1", "new@example.com", issued_at=clock(), browser="b"), PHONE).user
    other = c.accounts.resume(identity("s-2", "new@example.com", issued_at=clock(), browser="c"), PHONE).user
    assert after.id == before.id and after.email == "new@example.com"
    assert other.id != after.id  # the same address from another subject is another person
    elsewhere = identity("s-1", "old@example.com", issued_at=clock(), browser="d", issuer="https://other.example")
    assert c.accounts.resume(elsewhere, PHONE).user.id not in {before.id, other.id}


def test_the_providers_name_is_used_until_the_user_chooses_their_own(containers, database_url) -> None:
    clock = MovableClock()
    c = containers(database_url, clock=clock)
    user = c.accounts.resume(identity(name="Alice Example", issued_at=clock(), browser="a"), PHONE).user
    assert user.display_name == "Alice Example"
    c.accounts.rename(user, "  Ally   B. ")
    again = c.accounts.resume(identity(name="Alice Renamed At Google", issued_at=clock(), browser="b"), PHONE).user
    assert again.display_name == "Ally B."


def test_two_tabs_racing_through_the_first_sign_in_make_one_account_and_one_grant(containers, database_url) -> None:
    clock = MovableClock()
    c = containers(database_url, clock=clock, starter_credits=20)

    def tab(browser: str) -> int:
        return c.accounts.resume(identity("racer", issued_at=clock(), browser=browser), PHONE).user.id

    # Two tabs of one browser (the same sign-in) and two other browsers, all at once.
    seen = at_once(*(partial(tab, b) for b in ("same", "same", "other", "third")))
    assert len(set(seen)) == 1 and len(seen) == 4
    [user] = users_with_subject(c, "racer")
    with c.db.reader() as uow:
        grants = uow.session.exec(select(LedgerEntry).where(LedgerEntry.user_id == user.id)).all()
        sign_ins = uow.session.exec(select(SignIn).where(SignIn.user_id == user.id)).all()
    assert [g.delta for g in grants] == [20] and user.balance == 20
    assert len(sign_ins) == 3  # one per browser


def test_an_unverified_email_is_refused_and_no_account_is_made(containers, database_url) -> None:
    clock = MovableClock()
    c = containers(database_url, clock=clock)
    with pytest.raises(SessionEndedError, match="has not verified") as refused:
        c.accounts.resume(identity("unverified", verified=False, issued_at=clock()), PHONE)
    assert refused.value.reason == "unverified"
    assert users_with_subject(c, "unverified") == []


def test_a_sign_in_lasts_the_configured_days_from_the_tokens_issue_time(containers, database_url) -> None:
    clock = MovableClock()
    c = containers(database_url, clock=clock, session_max_days=7)
    token = identity(issued_at=clock())
    c.accounts.resume(token, PHONE)
    clock.advance(days=6, hours=23)
    assert c.accounts.resume(token, PHONE).user.email == "alice@example.com"
    clock.advance(hours=2)
    with pytest.raises(SessionEndedError, match="lasts 7 days") as ended:
        c.accounts.resume(token, PHONE)
    assert ended.value.reason == "expired"
    fresh = identity(issued_at=clock(), browser="signed in again")
    assert c.accounts.resume(fresh, PHONE).user.email == "alice@example.com"


def test_signing_out_ends_that_sign_in_only(containers, database_url) -> None:
    clock = MovableClock()
    c = containers(database_url, clock=clock)
    laptop, phone = identity(issued_at=clock(), browser="laptop"), identity(issued_at=clock(), browser="phone")
    c.accounts.resume(laptop, PHONE)
    c.accounts.resume(phone, PHONE)
    c.accounts.sign_out(laptop.session_key)
    with pytest.raises(SessionEndedError) as ended:
        c.accounts.resume(laptop, PHONE)  # a copied cookie, or another tab of that browser
    assert ended.value.reason == "signed_out"
    assert c.accounts.resume(phone, PHONE).user.email == "alice@example.com"


def test_sign_out_everywhere_else_ends_every_other_sign_in_and_keeps_this_one(containers, database_url) -> None:
    clock = MovableClock()
    c = containers(database_url, clock=clock)
    here, there, third = (identity(issued_at=clock(), browser=b) for b in ("here", "there", "third"))
    user = c.accounts.resume(here, PHONE).user
    c.accounts.resume(there, PHONE)
    c.accounts.resume(third, PHONE)
    c.accounts.sign_out_everywhere_else(user, here.session_key)
    assert c.accounts.resume(here, PHONE).user.id == user.id
    for other in (there, third):
        with pytest.raises(SessionEndedError, match="another device") as ended:
            c.accounts.resume(other, PHONE)
        assert ended.value.reason == "ended_elsewhere"
    again = identity(issued_at=clock(), browser="there, signed in again")
    assert c.accounts.resume(again, PHONE).user.id == user.id
    listed = c.accounts.recent_sign_ins(user, here.session_key)
    assert [(s.current, s.active) for s in listed] == [(False, True), (False, False), (False, False), (True, True)]


def test_a_verified_address_in_admin_emails_becomes_admin_and_the_promotion_is_audited(
    containers, database_url
) -> None:
    clock = MovableClock()
    c = containers(database_url, clock=clock, admin_emails="Boss@Example.com, other@example.com")
    boss = c.accounts.resume(identity("boss", "boss@example.com", issued_at=clock()), PHONE).user
    plain = c.accounts.resume(identity("plain", "plain@example.com", issued_at=clock()), PHONE).user
    again = c.accounts.resume(identity("boss", "boss@example.com", issued_at=clock(), browser="b"), PHONE).user
    assert (boss.role, plain.role, again.role) == (Role.ADMIN, Role.USER, Role.ADMIN)
    with c.db.reader() as uow:
        entries = uow.session.exec(select(AuditEntry)).all()
    assert [(e.actor_id, e.action, e.subject) for e in entries] == [(None, "role.changed", f"user:{boss.id}")]


def test_sign_in_records_are_deleted_after_their_retention(containers, database_url) -> None:
    clock = MovableClock()
    c = containers(database_url, clock=clock, sign_in_retention_days=90)
    old = identity(issued_at=clock(), browser="old")
    user = c.accounts.resume(old, PHONE).user
    clock.advance(days=60)
    recent = identity(issued_at=clock(), browser="recent")
    c.accounts.resume(recent, PHONE)
    clock.advance(days=31)
    assert c.accounts.sweep_sign_ins() == 1
    kept = c.accounts.recent_sign_ins(user, recent.session_key)
    assert [(s.ip_prefix, s.browser, s.current) for s in kept] == [("203.0.113.0/24", "Mobile Safari 17", True)]


class SessionMachine(RuleBasedStateMachine):
    """Any order of sign-ins, sign-outs, "sign out everywhere else" and time: a sign-in counts exactly when the
    model says it should. No ended session ever comes back."""

    def __init__(self) -> None:
        super().__init__()
        self.clock = MovableClock()
        self.c = make_container(self.tmp, clock=self.clock, session_max_days=7)
        self.browsers: dict[str, object] = {}
        self.ended: set[str] = set()
        self.user = None
        self.signed = 0

    tmp = None  # set by the test

    @initialize()
    def first_sign_in(self) -> None:
        self.sign_in("b0")

    @rule(name=st.sampled_from(["b0", "b1", "b2", "b3"]))
    def sign_in(self, name: str) -> None:
        self.signed += 1  # each sign-in has its own nonce, so its own key
        token = identity(issued_at=self.clock(), browser=f"{name}#{self.signed}")
        self.browsers[name] = token
        self.ended.discard(name)
        self.user = self.c.accounts.resume(token, PHONE).user

    @rule(name=st.sampled_from(["b0", "b1", "b2", "b3"]))
    def sign_out(self, name: str) -> None:
        if name in self.browsers:
            self.c.accounts.sign_out(self.browsers[name].session_key)  # type: ignore[attr-defined]
            self.ended.add(name)

    @rule(name=st.sampled_from(["b0", "b1", "b2", "b3"]))
    def everywhere_else(self, name: str) -> None:
        if name in self.browsers and name not in self.ended and self._young(name):
            self.c.accounts.sign_out_everywhere_else(self.user, self.browsers[name].session_key)  # type: ignore[arg-type, attr-defined]
            self.ended |= set(self.browsers) - {name}

    @rule(hours=st.integers(1, 100))
    def time_passes(self, hours: int) -> None:
        self.clock.advance(hours=hours)

    def _young(self, name: str) -> bool:
        return self.clock() - self.browsers[name].issued_at <= timedelta(days=7)  # type: ignore[attr-defined, no-any-return]

    @invariant()
    def every_browser_is_signed_in_exactly_when_it_should_be(self) -> None:
        for name, token in self.browsers.items():
            expected = name not in self.ended and self._young(name)
            try:
                self.c.accounts.resume(token, PHONE)  # type: ignore[arg-type]
                counted = True
            except SessionEndedError:
                counted = False
            assert counted == expected, name

    def teardown(self) -> None:
        self.c.db.engine.dispose()


def test_a_sign_in_counts_exactly_until_it_is_ended_in_any_order_of_events(tmp_path) -> None:
    SessionMachine.tmp = tmp_path
    run_state_machine_as_test(
        SessionMachine,
        settings=settings(
            max_examples=examples(25, 60),
            stateful_step_count=20,
            deadline=None,
            derandomize=True,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


def test_the_background_loop_deletes_sign_in_records_past_their_retention_when_the_server_starts(
    containers, database_url
) -> None:
    import asyncio

    from core.web.lifespan import background_lifespan

    clock = MovableClock()
    c = containers(database_url, clock=clock, sign_in_retention_days=90)
    old = identity(issued_at=clock(), browser="old")
    user = c.accounts.resume(old, PHONE).user
    clock.advance(days=91)
    recent = identity(issued_at=clock(), browser="recent")
    c.accounts.resume(recent, PHONE)

    async def serve_briefly() -> None:
        async with background_lifespan(lambda: c)(None):
            # The first tick sweeps; waiting longer fails the test (a thread's exception does, see pyproject.toml).
            await wait_until_async(lambda: len(c.accounts.recent_sign_ins(user, recent.session_key)) == 1)

    # In its own thread: the browser tests' Playwright may hold an event loop on this one.
    server = threading.Thread(target=asyncio.run, args=(serve_briefly(),))
    server.start()
    server.join()
    assert [s.current for s in c.accounts.recent_sign_ins(user, recent.session_key)] == [True]
