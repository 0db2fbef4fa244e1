"""The sign-in cookie's routes over HTTP, on both databases: a good token sets an HttpOnly cookie and goes home,
anything else goes to the sign-in screen with no cookie, and signing out deletes it."""

from __future__ import annotations

from http.cookies import SimpleCookie

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from core.services.local_sessions import COOKIE
from core.web.security import security_middleware
from core.web.session_routes import COOKIE_SCRIPT, session_routes
from tests.factories import MovableClock

DAY = 86400


def client_for(c, base_url: str = "http://testserver") -> TestClient:  # type: ignore[no-untyped-def]
    app = Starlette(routes=session_routes(lambda: c), middleware=security_middleware(lambda: ["testserver"]))
    return TestClient(app, base_url=base_url, follow_redirects=False)


def hand_off(c) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    key = c.accounts.sign_in_local("alice@example.com").session_key
    return key, c.local_sessions.hand_off(key)


def set_cookie(response) -> SimpleCookie:  # type: ignore[no-untyped-def]
    cookie: SimpleCookie = SimpleCookie()
    for header in response.headers.get_list("set-cookie"):
        cookie.load(header)
    return cookie


def test_a_good_token_sets_an_http_only_lax_cookie_for_the_session_length_and_goes_home(
    containers, database_url: str
) -> None:
    c = containers(database_url, session_max_days=3)
    key, token = hand_off(c)
    response = client_for(c).get(f"/auth/session?token={token}")
    assert response.status_code == 303 and response.headers["location"] == "/"
    morsel = set_cookie(response)[COOKIE]
    assert morsel["httponly"] and morsel["samesite"] == "lax" and morsel["path"] == "/"
    assert morsel["max-age"] == str(3 * DAY)
    assert not morsel["secure"]  # plain http: a Secure cookie would never come back
    assert c.local_sessions.session_key(morsel.value) == key
    assert response.headers["cache-control"] == "no-store"


def test_over_https_the_cookie_is_secure(containers, database_url: str) -> None:
    c = containers(database_url)
    _, token = hand_off(c)
    response = client_for(c, "https://testserver").get(f"/auth/session?token={token}")
    assert set_cookie(response)[COOKIE]["secure"]


def test_a_replayed_token_goes_to_the_sign_in_screen_without_a_cookie(containers, database_url: str) -> None:
    c = containers(database_url)
    _, token = hand_off(c)
    client = client_for(c)
    assert COOKIE in set_cookie(client.get(f"/auth/session?token={token}"))
    client.cookies.clear()
    replay = client.get(f"/auth/session?token={token}")
    assert replay.status_code == 303 and replay.headers["location"] == "/?signin=failed"
    assert "set-cookie" not in replay.headers
    assert replay.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("query", ["", "?token=", "?token=abc", "?token=" + "A" * 43, "?token=%00%ff"])
def test_a_missing_or_bad_token_goes_to_the_sign_in_screen_without_a_cookie(
    containers, database_url: str, query: str
) -> None:
    c = containers(database_url)
    hand_off(c)
    response = client_for(c).get(f"/auth/session{query}")
    assert response.status_code == 303 and response.headers["location"] == "/?signin=failed"
    assert "set-cookie" not in response.headers


def test_an_expired_token_goes_to_the_sign_in_screen_without_a_cookie(containers, database_url: str) -> None:
    clock = MovableClock()
    c = containers(database_url, clock=clock)
    _, token = hand_off(c)
    clock.advance(minutes=2)
    response = client_for(c).get(f"/auth/session?token={token}")
    assert response.headers["location"] == "/?signin=failed" and "set-cookie" not in response.headers


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_signing_out_deletes_the_cookie_and_goes_home(containers, database_url: str, method: str) -> None:
    c = containers(database_url)
    _, token = hand_off(c)
    client = client_for(c)
    client.get(f"/auth/session?token={token}")
    assert client.cookies.get(COOKIE)
    response = client.request(method, "/auth/signout")
    assert response.status_code == 303 and response.headers["location"] == "/"
    morsel = set_cookie(response)[COOKIE]
    assert morsel.value == "" and morsel["max-age"] == "0" and morsel["path"] == "/"
    assert not client.cookies.get(COOKIE)


def test_the_routes_pass_the_host_guard_and_carry_the_security_headers(containers) -> None:
    c = containers()
    client = client_for(c)
    for path in ("/auth/session?token=x", "/auth/signout", "/auth/cookie.js"):
        response = client.get(path)
        assert response.status_code in {200, 303}, path
        assert "default-src 'self'" in response.headers["content-security-policy"], path
        assert response.headers["referrer-policy"] == "same-origin", path  # no token URL is ever sent on
        assert client.get(path, headers={"Host": "rebind.attacker.example"}).status_code == 400, path


def test_the_pages_cookie_script_is_served_from_our_origin_and_calls_only_our_sign_in_routes(containers) -> None:
    """The content security policy runs no inline script, so the page loads this one; it must not be an open redirect."""
    response = client_for(containers()).get("/auth/cookie.js")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/javascript")
    assert response.text == COOKIE_SCRIPT
    assert r"/^\/auth\/session\?token=[A-Za-z0-9_-]{43}$/.test(session)" in response.text
    assert 'window.location.replace("/auth/signout")' in response.text
    assert response.text.count("window.location") == 1 and response.text.count("fetch(") == 1
