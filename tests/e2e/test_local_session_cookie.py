"""The development sign-in in a real browser: it survives a reload and a new tab through an HttpOnly cookie no
script can read, under the content security policy; Sign out ends it everywhere in that browser."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from core.services.local_sessions import COOKIE
from tests.e2e.conftest import VIEWPORT
from tests.e2e.server import RunningServer
from tests.e2e.test_web_hardening import REPORT_CSP_VIOLATIONS

pytestmark = pytest.mark.e2e

DAY = 86400
SIGN_IN = "Sign in to Atelier"


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


def test_a_used_or_bad_sign_in_link_says_so_and_leaves_a_clean_address(page: Page) -> None:
    page.goto("/auth/session?token=" + "A" * 43)
    expect(page.get_by_role("heading", name=SIGN_IN)).to_be_visible()
    expect(page.get_by_text("That sign-in link was already used or has expired. Sign in again.")).to_be_visible()
    page.wait_for_url(lambda url: "signin=" not in url)
