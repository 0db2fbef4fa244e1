"""The sign-in cookie's routes over HTTP, on both databases: a good token posted from our own page sets an HttpOnly
cookie, anything else sets none; signing out ends the sign-in itself, not only the cookie; and every route of ours
that changes state refuses a GET and a request from another site."""

from __future__ import annotations

from http.cookies import SimpleCookie

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from core.domain.shares import SHARE_PATH
from core.errors import SessionEndedError
from core.services.local_sessions import COOKIE
from core.signing import EXPORT_PATH, FAL_WEBHOOK_PATH
from core.web.routes import all_routes
from core.web.security import security_middleware
from core.web.session_routes import COOKIE_SCRIPT, session_routes
from tests.factories import MovableClock

DAY = 86400
HERE = "http://testserver"
ELSEWHERE = ["https://evil.example", "http://testserver.evil.example", "http://testserver:8080", "https://testserver"]
STATE_CHANGING = {"/auth/session", "/auth/signout"}
WEBHOOKS = {"/api/webhooks/stripe", "/api/webhooks/creem", FAL_WEBHOOK_PATH}  # signed, sent by providers' servers
READ_ONLY = {"/api/media/{public_id}/{variant}", f"{EXPORT_PATH}/history.zip", f"{EXPORT_PATH}/history.csv"}
READ_ONLY |= {"/auth/cookie.js", f"{EXPORT_PATH}/everything.zip", "/privacy/receipt/{reference:str}"}
READ_ONLY |= {f"{EXPORT_PATH}/stored.zip"}  # an export an admin ran for the user, behind a signed link
READ_ONLY |= {"/healthz", "/readyz"}  # liveness and readiness: a load balancer's probes, answered to any Host
# A shared image's public page and picture, and a plain 404 for anything else under /s (core/web/share_routes.py).
READ_ONLY |= {f"{SHARE_PATH}/{{token}}", f"{SHARE_PATH}/{{token}}/image.jpg", SHARE_PATH, f"{SHARE_PATH}/{{rest:path}}"}


async def streamlit_page(_request: Request) -> Response:
    return HTMLResponse("<!doctype html><title>Atelier</title>")


def app_with(routes: list) -> Starlette:  # type: ignore[type-arg]
    """The routes as st.App serves them: after ours, Streamlit answers every other GET with the app's page and a 200
    (reference/streamlit.md 6.2), so a POST-only route that forgot GET would not answer 405 by itself."""
    return Starlette(
        routes=[*routes, Route("/{path:path}", streamlit_page, methods=["GET"])],
        middleware=security_middleware(lambda: ["testserver"]),
    )


def client_for(c, base_url: str = HERE) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(app_with(session_routes(lambda: c)), base_url=base_url, follow_redirects=False)


def post(client: TestClient, path: str, token: str | None = None, origin: str | None = HERE, **headers: str):  # type: ignore[no-untyped-def]
    if origin is not None:
        headers["Origin"] = origin
    return client.post(path, data={"token": token} if token is not None else None, headers=headers)


def hand_off(c, email: str = "alice@example.com") -> tuple[str, str]:  # type: ignore[no-untyped-def]
    key = c.accounts.sign_in_local(email).session_key
    return key, c.local_sessions.hand_off(key)


def set_cookie(response) -> SimpleCookie:  # type: ignore[no-untyped-def]
    cookie: SimpleCookie = SimpleCookie()
    for header in response.headers.get_list("set-cookie"):
        cookie.load(header)
    return cookie


def signs_in(c, cookie: str) -> bool:  # type: ignore[no-untyped-def]
    """Whether a browser sending this cookie value is signed in, as the guard decides on every page run."""
    key = c.local_sessions.session_key(cookie)
    if key is None:
        return False
    try:
        c.accounts.resume_local(key)
    except SessionEndedError:
        return False
    return True


def test_a_good_token_sets_an_http_only_lax_cookie_for_the_session_length_and_goes_home(
    containers, database_url: str
) -> None:
    c = containers(database_url, session_max_days=3)
    key, token = hand_off(c)
    response = post(client_for(c), "/auth/session", token)
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
    response = post(client_for(c, "https://testserver"), "/auth/session", token, origin="https://testserver")
    assert set_cookie(response)[COOKIE]["secure"]


def test_a_replayed_token_sets_no_cookie(containers, database_url: str) -> None:
    c = containers(database_url)
    _, token = hand_off(c)
    client = client_for(c)
    assert COOKIE in set_cookie(post(client, "/auth/session", token))
    client.cookies.clear()
    replay = post(client, "/auth/session", token)
    assert replay.status_code == 303 and replay.headers["location"] == "/?signin=failed"
    assert "set-cookie" not in replay.headers
    assert replay.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("body", [b"", b"token=", b"token=abc", b"token=" + b"A" * 43, b"token=%00%ff", b"\xff" * 9])
def test_a_missing_or_bad_token_sets_no_cookie(containers, database_url: str, body: bytes) -> None:
    c = containers(database_url)
    hand_off(c)
    response = client_for(c).post(
        "/auth/session", content=body, headers={"Origin": HERE, "Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 303 and response.headers["location"] == "/?signin=failed"
    assert "set-cookie" not in response.headers


def test_an_expired_token_sets_no_cookie(containers, database_url: str) -> None:
    clock = MovableClock()
    c = containers(database_url, clock=clock)
    _, token = hand_off(c)
    clock.advance(minutes=2)
    response = post(client_for(c), "/auth/session", token)
    assert response.headers["location"] == "/?signin=failed" and "set-cookie" not in response.headers


def test_a_token_in_the_address_redeems_nothing(containers, database_url: str) -> None:
    """The token travels in the body only: an address (a link, a log line, a history entry) never carries one that works."""
    c = containers(database_url)
    _, token = hand_off(c)
    response = client_for(c).post(f"/auth/session?token={token}", headers={"Origin": HERE})
    assert "set-cookie" not in response.headers
    assert COOKIE in set_cookie(post(client_for(c), "/auth/session", token))  # still unused


def test_signing_out_ends_the_sign_in_so_a_copy_of_the_old_cookie_signs_no_one_in(
    containers, database_url: str
) -> None:
    c = containers(database_url)
    key, token = hand_off(c)
    client = client_for(c)
    post(client, "/auth/session", token)
    old_cookie = client.cookies.get(COOKIE)
    assert old_cookie and signs_in(c, old_cookie)

    response = post(client, "/auth/signout")

    assert response.status_code == 303 and response.headers["location"] == "/"
    morsel = set_cookie(response)[COOKIE]
    assert morsel.value == "" and morsel["max-age"] == "0" and morsel["path"] == "/"
    assert response.headers["cache-control"] == "no-store"
    assert not client.cookies.get(COOKIE)
    with c.db.reader() as uow:
        row = uow.sign_ins.by_key(key)
        assert row is not None and row.ended_at is not None
    assert not signs_in(c, old_cookie)  # e.g. in a fresh browser given the old value


def test_signing_out_ends_only_the_sign_in_the_cookie_names(containers, database_url: str) -> None:
    c = containers(database_url)
    _, mine = hand_off(c, "alice@example.com")
    _, theirs = hand_off(c, "bob@example.com")
    alice, bob = client_for(c), client_for(c)
    post(alice, "/auth/session", mine)
    post(bob, "/auth/session", theirs)
    bobs_cookie = bob.cookies.get(COOKIE)
    assert bobs_cookie
    post(alice, "/auth/signout")
    assert signs_in(c, bobs_cookie)


@pytest.mark.parametrize("cookie", [None, "x", "0" * 64 + "." + "0" * 64])
def test_signing_out_without_a_good_cookie_just_deletes_it(containers, database_url: str, cookie: str | None) -> None:
    c = containers(database_url)
    key, _ = hand_off(c)
    client = client_for(c)
    if cookie is not None:
        client.cookies.set(COOKIE, cookie)
    response = post(client, "/auth/signout")
    assert response.status_code == 303 and set_cookie(response)[COOKIE].value == ""
    c.accounts.resume_local(key)  # the sign-in nobody named is still open


def refused_without_a_change(c, path: str, send) -> None:  # type: ignore[no-untyped-def]
    """`send(client, path, token)` is refused: no cookie is set, the open sign-in stays open, the token stays unused."""
    _, token = hand_off(c)
    client = client_for(c)
    post(client, "/auth/session", token)
    old_cookie = client.cookies.get(COOKIE)
    assert old_cookie
    _, fresh = hand_off(c, "bob@example.com")

    response = send(client, path, fresh)

    assert response.status_code in {403, 405}
    assert "set-cookie" not in response.headers
    assert signs_in(c, old_cookie)
    assert COOKIE in set_cookie(post(client_for(c), "/auth/session", fresh))


@pytest.mark.parametrize("path", sorted(STATE_CHANGING))
def test_a_state_change_by_get_is_refused_and_changes_nothing(containers, database_url: str, path: str) -> None:
    def get(client: TestClient, path: str, token: str):  # type: ignore[no-untyped-def]
        response = client.get(f"{path}?token={token}", headers={"Origin": HERE, "Sec-Fetch-Site": "same-origin"})
        assert response.status_code == 405 and response.headers["allow"] == "POST"
        return response

    refused_without_a_change(containers(database_url), path, get)


@pytest.mark.parametrize("origin", ["https://evil.example", None])
@pytest.mark.parametrize("path", sorted(STATE_CHANGING))
def test_a_post_from_another_site_or_from_nowhere_is_refused_and_changes_nothing(
    containers, database_url: str, path: str, origin: str | None
) -> None:
    def foreign(client: TestClient, path: str, token: str):  # type: ignore[no-untyped-def]
        response = post(client, path, token, origin=origin)
        assert response.status_code == 403
        return response

    refused_without_a_change(containers(database_url), path, foreign)


@pytest.mark.parametrize("origin", [*ELSEWHERE, "null", "", "http://", "http://testserver/path", "http://a@testserver"])
def test_any_origin_but_our_own_is_refused(containers, origin: str) -> None:
    client = client_for(containers())
    assert post(client, "/auth/signout", origin=origin).status_code == 403
    assert client.head("/auth/signout", headers={"Origin": HERE}).status_code == 405
    assert post(client, "/auth/signout", origin=HERE.upper()).status_code == 303  # scheme and host ignore case
    assert post(client, "/auth/signout", origin=HERE + ":80").status_code == 303  # the default port, spelled out


@pytest.mark.parametrize(
    ("site", "origin", "allowed"),
    [
        ("same-origin", None, True),  # https and localhost: the browser's own word
        ("same-origin", "http://127.0.0.1:9", True),  # behind a proxy that rewrites Host, Sec-Fetch-Site still holds
        ("same-site", HERE, False),
        ("cross-site", HERE, False),
        ("none", HERE, False),
    ],
)
def test_the_browsers_sec_fetch_site_is_believed_first(
    containers, site: str, origin: str | None, allowed: bool
) -> None:
    response = post(client_for(containers()), "/auth/signout", origin=origin, **{"Sec-Fetch-Site": site})
    assert response.status_code == (303 if allowed else 403)


def test_every_route_either_only_reads_or_takes_only_same_origin_posts_or_is_a_signed_webhook(containers) -> None:
    """The class, not the instance: a new route must be added to one of these lists, and if it changes state, be
    made with core.web.origin.state_changing_route."""
    c = containers()
    routes = all_routes(lambda: c)
    methods = {route.path: set(route.methods or ()) for route in routes}  # type: ignore[attr-defined]
    assert set(methods) == READ_ONLY | STATE_CHANGING | WEBHOOKS
    assert all(methods[path] <= {"GET", "HEAD"} for path in READ_ONLY)
    assert all(methods[path] == {"POST"} for path in WEBHOOKS)
    client = TestClient(app_with(routes), follow_redirects=False)
    for path in STATE_CHANGING:
        assert client.get(path).status_code == 405, path
        assert client.post(path, headers={"Origin": "https://evil.example"}).status_code == 403, path
        assert client.post(path).status_code == 403, path


def test_the_routes_pass_the_host_guard_and_carry_the_security_headers(containers) -> None:
    c = containers()
    client = client_for(c)
    for method, path in (("POST", "/auth/session"), ("POST", "/auth/signout"), ("GET", "/auth/cookie.js")):
        response = client.request(method, path, headers={"Origin": HERE})
        assert response.status_code in {200, 303}, path
        assert "default-src 'self'" in response.headers["content-security-policy"], path
        assert response.headers["referrer-policy"] == "same-origin", path
        rebound = client.request(method, path, headers={"Host": "rebind.attacker.example", "Origin": HERE})
        assert rebound.status_code == 400, path


def test_the_pages_cookie_script_is_served_from_our_origin_and_posts_only_to_our_sign_in_routes(containers) -> None:
    """The content security policy runs no inline script, so the page loads this one; it must not be an open redirect."""
    response = client_for(containers()).get("/auth/cookie.js")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/javascript")
    assert response.text == COOKIE_SCRIPT
    assert "/^[A-Za-z0-9_-]{43}$/.test(token)" in response.text
    assert 'fetch("/auth/session", {method: "POST"' in response.text
    assert 'form.method = "post";' in response.text and 'form.action = "/auth/signout";' in response.text
    assert "window.location" not in response.text and response.text.count("fetch(") == 1
