"""The development sign-in's hand-off on both databases: a token works once, within a minute, for a live sign-in;
the cookie it becomes is believed only with this server's secret and only untouched."""

from __future__ import annotations

import pytest
from sqlmodel import select

from core.errors import SessionEndedError
from core.services.local_sessions import LocalSessions
from core.signing import Signer
from db.tables import SignIn
from tests.factories import TEST_SECRET, MovableClock
from tests.races import at_once


def signed_in_with_token(c):  # type: ignore[no-untyped-def]
    signed_in = c.accounts.sign_in_local("alice@example.com")
    return signed_in, c.local_sessions.hand_off(signed_in.session_key)


def test_a_token_brings_back_the_sign_in_once_and_a_second_use_fails(containers, database_url: str) -> None:
    c = containers(database_url)
    signed_in, token = signed_in_with_token(c)
    assert c.local_sessions.consume(token) == signed_in.session_key
    assert c.local_sessions.consume(token) is None
    assert c.accounts.resume_local(signed_in.session_key).user.email == "alice@example.com"


def test_the_database_keeps_only_a_digest_of_the_token_and_clears_it_when_used(containers, database_url: str) -> None:
    c = containers(database_url)
    signed_in, token = signed_in_with_token(c)
    with c.db.reader() as uow:
        row = uow.session.exec(select(SignIn).where(SignIn.session_key == signed_in.session_key)).one()
        assert row.handoff_digest is not None and token not in row.handoff_digest and len(row.handoff_digest) == 64
    c.local_sessions.consume(token)
    with c.db.reader() as uow:
        row = uow.session.exec(select(SignIn).where(SignIn.session_key == signed_in.session_key)).one()
        assert row.handoff_digest is None and row.handoff_until is None


def test_a_token_older_than_a_minute_fails(containers, database_url: str) -> None:
    clock = MovableClock()
    c = containers(database_url, clock=clock)
    _, token = signed_in_with_token(c)
    clock.advance(seconds=61)
    assert c.local_sessions.consume(token) is None


def test_a_token_used_within_the_minute_works(containers, database_url: str) -> None:
    clock = MovableClock()
    c = containers(database_url, clock=clock)
    signed_in, token = signed_in_with_token(c)
    clock.advance(seconds=59)
    assert c.local_sessions.consume(token) == signed_in.session_key


@pytest.mark.parametrize("token", [None, "", "x" * 43, "not a token", "a" * 5000, "é" * 43])
def test_a_missing_malformed_or_unknown_token_fails(containers, database_url: str, token: str | None) -> None:
    c = containers(database_url)
    signed_in_with_token(c)
    assert c.local_sessions.consume(token) is None


def test_the_token_of_a_sign_in_ended_meanwhile_fails(containers, database_url: str) -> None:
    c = containers(database_url)
    signed_in, token = signed_in_with_token(c)
    c.accounts.sign_out(signed_in.session_key)
    assert c.local_sessions.consume(token) is None


def test_an_ended_sign_in_gets_no_token(containers, database_url: str) -> None:
    c = containers(database_url)
    signed_in = c.accounts.sign_in_local("alice@example.com")
    c.accounts.sign_out(signed_in.session_key)
    with pytest.raises(SessionEndedError):
        c.local_sessions.hand_off(signed_in.session_key)


def redeem_at_once(c, token: str, requests: int) -> list[str | None]:  # type: ignore[no-untyped-def]
    """`requests` threads released together, each redeeming the same token, as double clicks or replicas would."""
    return at_once(*[lambda: c.local_sessions.consume(token)] * requests)


def test_two_requests_racing_with_one_token_sign_in_exactly_once(containers, database_url: str) -> None:
    c = containers(database_url)
    for _round in range(5):
        signed_in, token = signed_in_with_token(c)
        won = redeem_at_once(c, token, 4)
        assert len(won) == 4 and [w for w in won if w is not None] == [signed_in.session_key]


def test_a_cookie_is_believed_only_with_this_servers_secret(containers) -> None:
    c = containers()
    key = c.accounts.sign_in_local("alice@example.com").session_key
    cookie = c.local_sessions.cookie_value(key)
    assert key in cookie and c.local_sessions.session_key(cookie) == key
    other = LocalSessions(c.db, c.local_sessions.clock, b"another-secret-0123456789abcdefghij")
    assert other.session_key(cookie) is None
    assert other.session_key(other.cookie_value(key)) == key
    # The secret itself, as the media links use it, signs nothing the cookie check accepts.
    for purpose in ("media", "session-cookie"):
        assert c.local_sessions.session_key(f"{key}.{Signer(TEST_SECRET.encode(), purpose).sign(key)}") is None


def test_a_tampered_or_malformed_cookie_is_refused(containers) -> None:
    c = containers()
    key = c.accounts.sign_in_local("alice@example.com").session_key
    cookie = c.local_sessions.cookie_value(key)
    other_key = c.accounts.sign_in_local("bob@example.com").session_key
    flip = {"0": "1"}.get(cookie[-1], "0")
    refused = [
        cookie[:-1] + flip,  # the signature changed
        other_key + cookie[64:],  # another sign-in's key under this signature
        cookie.upper(),
        cookie + "0",
        key,
        "." + cookie,
        cookie.replace(".", ":"),
        "",
        None,
        "x" * 129,
    ]
    for value in refused:
        assert c.local_sessions.session_key(value) is None, value


def test_with_oidc_no_token_is_redeemed_and_no_cookie_believed(containers) -> None:
    c = containers()
    key = c.accounts.sign_in_local("alice@example.com").session_key
    token = c.local_sessions.hand_off(key)
    oidc = LocalSessions(c.db, c.local_sessions.clock, TEST_SECRET.encode(), enabled=False)
    assert oidc.consume(token) is None
    assert oidc.session_key(oidc.cookie_value(key)) is None
    assert c.local_sessions.consume(token) == key  # the refusal did not use the token up
