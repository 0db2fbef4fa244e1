"""The development sign-in in a real browser: it survives a reload and a new tab through an HttpOnly cookie no
script can read, under the content security policy; Sign out ends it everywhere in that browser, and the sign-in
itself, so a copy of the cookie signs no one in; no address and no other site can sign a browser in or out."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from core.services.local_sessions import COOKIE
from tests.e2e.conftest import VIEWPORT
from tests.e2e.server import RunningServer
from tests.e2e.test_web_hardening import REPORT_CSP_VIOLATIONS

pytestmark = pytest.mark.e2e

DAY = 86400
SIGN_IN = "Sign in to Atelier"
ELSEWHERE = "http://elsewhere.example"  # another site, served by the browser itself (context.route)


def path_is(path: str):  # type: ignore[no-untyped-def]
    return lambda response: urlsplit(response.url).path == path


def sign_in_and_get_the_cookie(page: Page, email: str) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", name=SIGN_IN)).to_be_visible()
    page.get_by_role("textbox", name="Email").fill(email)
    with page.expect_response(path_is("/auth/session")) as handed:
        page.get_by_role("button", name="Sign in").click()
    assert handed.value.status == 303
    expect_signed_in(page, email)


def expect_signed_in(page: Page, email: str) -> None:
    expect(page.get_by_test_id("stSidebar").get_by_text(f"Signed in as {email}")).to_be_visible()


def expect_signed_out(page: Page) -> None:
    expect(page.get_by_role("heading", name=SIGN_IN)).to_be_visible()
    expect(page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out")).to_have_count(0)
    expect(page.get_by_test_id("stException")).to_have_count(0)


def session_cookies(context: BrowserContext) -> list[dict[str, object]]:
    return [dict(c) for c in context.cookies() if c["name"] == COOKIE]


def test_the_sign_in_survives_a_reload_and_a_new_tab_and_no_script_can_read_it(
    context: BrowserContext, page: Page
) -> None:
    violations: list[str] = []
    context.expose_binding("reportCspViolation", lambda _source, violation: violations.append(violation))
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    sign_in_and_get_the_cookie(page, "frida@example.com")

    [cookie] = session_cookies(context)
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Lax" and cookie["path"] == "/"
    assert cookie["secure"] is False  # plain http here; over https it is Secure
    assert abs(float(cookie["expires"]) - time.time() - 7 * DAY) < 120  # SESSION_MAX_DAYS
    assert COOKIE not in page.evaluate("document.cookie")

    page.reload()
    expect_signed_in(page, "frida@example.com")
    other_tab = context.new_page()
    other_tab.goto("/gallery")
    expect_signed_in(other_tab, "frida@example.com")
    expect(other_tab.get_by_role("heading", name="Gallery", exact=True)).to_be_visible()
    assert violations == []


def test_sign_out_deletes_the_cookie_and_every_tab_of_the_browser_is_signed_out(
    context: BrowserContext, page: Page
) -> None:
    sign_in_and_get_the_cookie(page, "gina@example.com")
    other_tab = context.new_page()
    other_tab.goto("/")
    expect_signed_in(other_tab, "gina@example.com")

    with page.expect_response(path_is("/auth/signout")):
        page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
    expect_signed_out(page)
    assert session_cookies(context) == []
    page.reload()
    expect_signed_out(page)
    other_tab.reload()
    expect_signed_out(other_tab)


def test_a_new_browser_without_the_cookie_is_signed_out(
    browser: Browser, context: BrowserContext, page: Page, atelier: RunningServer
) -> None:
    sign_in_and_get_the_cookie(page, "hana@example.com")
    stranger = browser.new_context(base_url=atelier.url, viewport=VIEWPORT)
    try:
        elsewhere = stranger.new_page()
        elsewhere.goto("/")
        expect_signed_out(elsewhere)
        page.reload()  # meanwhile the browser that holds the cookie is still signed in after a reload
        expect_signed_in(page, "hana@example.com")
        # The cookie is what carries the sign-in: the same browser given it is signed in as her.
        stranger.add_cookies(session_cookies(context))
        elsewhere.reload()
        expect_signed_in(elsewhere, "hana@example.com")
    finally:
        stranger.close()


def test_a_cookie_of_an_ended_sign_in_or_a_forged_one_just_shows_the_sign_in_screen(
    browser: Browser, context: BrowserContext, page: Page, atelier: RunningServer
) -> None:
    sign_in_and_get_the_cookie(page, "ida@example.com")
    [cookie] = session_cookies(context)
    key, signature = str(cookie["value"]).split(".")
    with page.expect_response(path_is("/auth/signout")):
        page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
    expect_signed_out(page)

    forged = "0" * 64 + "." + signature
    flipped = key + "." + signature[:-1] + ("0" if signature[-1] != "0" else "1")
    for value, message in ((str(cookie["value"]), "You signed out."), (forged, None), (flipped, None), ("x", None)):
        replayed = browser.new_context(base_url=atelier.url, viewport=VIEWPORT)
        try:
            replayed.add_cookies([{"name": COOKIE, "value": value, "url": atelier.url}])
            tab = replayed.new_page()
            tab.goto("/")
            expect_signed_out(tab)
            expect(tab.get_by_test_id("stAlert").filter(has_text="error")).to_have_count(0)
            if message:
                expect(tab.get_by_text(message)).to_be_visible()
        finally:
            replayed.close()


def old_cookie_in_a_fresh_browser(browser: Browser, atelier: RunningServer, value: str) -> None:
    """A new browser given a copy of an old cookie value shows the sign-in screen and says the sign-in ended."""
    fresh = browser.new_context(base_url=atelier.url, viewport=VIEWPORT)
    try:
        fresh.add_cookies([{"name": COOKIE, "value": value, "url": atelier.url}])
        tab = fresh.new_page()
        tab.goto("/")
        expect_signed_out(tab)
        expect(tab.get_by_text("You signed out.")).to_be_visible()
    finally:
        fresh.close()


def test_sign_out_posts_to_its_route_which_ends_the_sign_in_so_a_copy_of_the_cookie_signs_no_one_in(
    browser: Browser, context: BrowserContext, page: Page, atelier: RunningServer
) -> None:
    sign_in_and_get_the_cookie(page, "jo@example.com")
    [cookie] = session_cookies(context)
    with page.expect_response(path_is("/auth/signout")) as signed_out:
        page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
    assert signed_out.value.request.method == "POST" and signed_out.value.status == 303
    expect_signed_out(page)
    old_cookie_in_a_fresh_browser(browser, atelier, str(cookie["value"]))


def test_the_sign_out_route_on_its_own_ends_the_sign_in(
    browser: Browser, context: BrowserContext, page: Page, atelier: RunningServer
) -> None:
    """Signing out by any route ends the sign-in: here the route alone, posted from our page as its script does."""
    sign_in_and_get_the_cookie(page, "kim@example.com")
    [cookie] = session_cookies(context)
    with page.expect_response(path_is("/auth/signout")) as signed_out:
        page.evaluate(
            """() => { const form = document.createElement('form'); form.method = 'post';
                       form.action = '/auth/signout'; document.body.appendChild(form); form.submit(); }"""
        )
    assert signed_out.value.status == 303
    expect_signed_out(page)
    assert session_cookies(context) == []
    old_cookie_in_a_fresh_browser(browser, atelier, str(cookie["value"]))


@pytest.mark.console_errors_expected(r"status of 405 \(Method Not Allowed\) \(at http://[^/]+/auth/(signout|session)\b")
def test_an_address_cannot_sign_a_browser_in_or_out(context: BrowserContext, page: Page) -> None:
    """GET never changes state: typing, bookmarking or following a link to a sign-in route gets 405, nothing else."""
    sign_in_and_get_the_cookie(page, "lee@example.com")
    for path in ("/auth/signout", "/auth/session?token=" + "A" * 43):
        response = page.goto(path)
        assert response is not None and response.status == 405, path
        assert len(session_cookies(context)) == 1, path
    page.goto("/")
    expect_signed_in(page, "lee@example.com")


def mallorys_token(browser: Browser, atelier: RunningServer) -> str:
    """A valid one-time token for Mallory's own sign-in, caught on its way to the route and never redeemed."""
    mallory = browser.new_context(base_url=atelier.url, viewport=VIEWPORT)
    try:
        mallory.route("**/auth/session*", lambda route: route.abort())
        tab = mallory.new_page()
        tab.goto("/")
        tab.get_by_role("textbox", name="Email").fill("mallory@example.com")
        with tab.expect_request(lambda request: urlsplit(request.url).path == "/auth/session") as sent:
            tab.get_by_role("button", name="Sign in").click()
        request = sent.value
        fields = parse_qs(request.post_data or "") or parse_qs(urlsplit(request.url).query)  # the body; before: the URL
    finally:
        mallory.close()
    [token] = fields["token"]
    return token


def another_site(context: BrowserContext, body: str) -> None:
    context.route(
        f"{ELSEWHERE}/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body=f"<!doctype html>{body}"),
    )


@pytest.mark.console_errors_expected(r"status of 403 \(Forbidden\) \(at http://[^/]+/auth/signout\)")
def test_another_site_cannot_sign_a_visitor_out(context: BrowserContext, page: Page, atelier: RunningServer) -> None:
    sign_in_and_get_the_cookie(page, "max@example.com")
    another_site(
        context,
        f'<form method="post" action="{atelier.url}/auth/signout"></form><script>document.forms[0].submit()</script>',
    )
    with page.expect_response(path_is("/auth/signout")) as refused:
        page.goto(f"{ELSEWHERE}/prize")
    assert refused.value.status == 403
    assert refused.value.request.headers.get("origin") == ELSEWHERE
    assert len(session_cookies(context)) == 1
    page.goto(atelier.url + "/")
    expect_signed_in(page, "max@example.com")


@pytest.mark.console_errors_expected(
    r"status of 405 \(Method Not Allowed\) \(at http://[^/]+/auth/session\?token=",
    r"status of 403 \(Forbidden\) \(at http://[^/]+/auth/session\)",
)
def test_another_site_cannot_sign_a_visitor_into_its_own_account(
    browser: Browser, context: BrowserContext, page: Page, atelier: RunningServer
) -> None:
    token = mallorys_token(browser, atelier)
    another_site(
        context,
        f'<form method="post" action="{atelier.url}/auth/session"><input name="token" value="{token}"></form>'
        f'<a id="link" href="{atelier.url}/auth/session?token={token}">prize</a>',
    )
    page.goto(f"{ELSEWHERE}/prize")
    # Each is a navigation: wait for it to land, so the next goto does not interrupt it.
    with page.expect_navigation(url=lambda url: urlsplit(url).path == "/auth/session") as by_link:
        page.locator("#link").click()
    assert by_link.value is not None and by_link.value.status == 405
    page.goto(f"{ELSEWHERE}/prize")
    with page.expect_navigation(url=lambda url: urlsplit(url).path == "/auth/session") as by_form:
        page.evaluate("() => document.forms[0].submit()")
    assert by_form.value is not None and by_form.value.status == 403
    assert session_cookies(context) == []
    page.goto(atelier.url + "/")
    expect(page.get_by_role("heading", name=SIGN_IN)).to_be_visible()
    expect(page.get_by_text("mallory@example.com")).to_have_count(0)
