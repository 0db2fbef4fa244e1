"""Sign-in through a real OIDC round trip in chromium: roles, sign-out, refused and changed emails, restarts, expiry.

One mock provider and one Atelier server in AUTH_MODE=oidc serve the module; the tests that need a
fresh process (role gating before any session ran app.py, an expired session) start their own
servers over their own data dir, with the same secrets file. Each test signs in its own subjects,
so the tests do not depend on each other's sign-ins.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from sqlalchemy import create_engine, text

from pages.components import navigation
from tests.e2e.conftest import SERVER_KEY, VIEWPORT
from tests.e2e.oidc import (
    ADMIN_EMAIL,
    MockProvider,
    expect_signed_in,
    explain_failure,
    mock_provider,
    oidc_server,
    sign_in,
    start_sign_in,
    wait_until_idle,
    write_secrets,
)
from tests.e2e.server import RunningServer

pytestmark = pytest.mark.e2e

USER_LINKS = ["Generate", "Gallery", "Credits", "Account"]
# Every page of the admin console, from the menu's own list: a page added there is checked here too.
ADMIN_LINKS = [title for _, title, _ in navigation.ADMIN_PAGES]
ADMIN_PAGES = {f"/{name}": title for name, title, _ in navigation.ADMIN_PAGES}
REFUSED = "This page is for admins."  # the app's own refusal, never Streamlit's "Page not found"
TEAM_PAGES = {"/lab": "Lab"}  # the prompt lab: the team's and admins'
REFUSALS = {**dict.fromkeys(ADMIN_PAGES, REFUSED), **dict.fromkeys(TEAM_PAGES, "This page is for the team.")}

OpenPage = Callable[[], Page]


@pytest.fixture(scope="module")
def idp() -> Iterator[MockProvider]:
    with mock_provider() as provider:
        provider.seed("admin-1", email=ADMIN_EMAIL, name="Ada Admin")
        yield provider


@pytest.fixture(scope="module")
def secrets_file(idp: MockProvider, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_secrets(tmp_path_factory.mktemp("oidc-secrets") / "secrets.toml", idp)


@pytest.fixture(scope="module")
def server(
    secrets_file: Path, tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[RunningServer]:
    """The module's Atelier in AUTH_MODE=oidc; a failing test gets its log attached (conftest's hook)."""
    with oidc_server(tmp_path_factory.mktemp("atelier-oidc"), secrets_file) as running:
        previous = pytestconfig.stash.get(SERVER_KEY, None)
        pytestconfig.stash[SERVER_KEY] = running
        yield running
        if previous is None:
            del pytestconfig.stash[SERVER_KEY]
        else:
            pytestconfig.stash[SERVER_KEY] = previous


@pytest.fixture
def open_page(browser: Browser) -> Iterator[OpenPage]:
    """A page in a new browser context each call: its own cookies, so its own sign-in."""
    contexts = []

    def open_new() -> Page:
        context = browser.new_context(viewport=VIEWPORT)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_new
    for context in contexts:
        context.close()


def nav_link(page: Page, title: str) -> Locator:
    return page.get_by_test_id("stSidebar").get_by_role("link", name=title, exact=True)


def expect_no_app_content(page: Page) -> None:
    """Nothing of the signed-in app: no page headings, no navigation, no account in the sidebar."""
    wait_until_idle(page)
    sidebar = page.get_by_test_id("stSidebar")
    expect_none(
        page,
        *(page.get_by_role("heading", name=title, exact=True) for title in ["Generate", "Account", *ADMIN_LINKS]),
        *(nav_link(page, title) for title in USER_LINKS + ADMIN_LINKS),
        sidebar.get_by_role("button", name="Sign out"),
        page.get_by_role("button", name=re.compile("^Generate")),
    )


def expect_no_admin_content(page: Page) -> None:
    wait_until_idle(page)
    expect_none(
        page,
        page.get_by_text("Page not found"),
        *(page.get_by_role("heading", name=title, exact=True) for title in [*ADMIN_LINKS, *TEAM_PAGES.values()]),
        *(page.get_by_role("link", name=title, exact=True) for title in [*ADMIN_LINKS, *TEAM_PAGES.values()]),
        page.get_by_role("tab", name="New experiment"),
        page.get_by_test_id("stDataFrame"),
        page.get_by_role("textbox", name="Search by email or name"),
        page.get_by_text(ADMIN_EMAIL),  # the user list would show every account
    )


def expect_none(page: Page, *locators: Locator) -> None:
    """None of `locators` on the page: asked of the browser as one locator (one round trip a look, where a
    look for each took a visit a second); when some are there, each is asked again, so the failure names it."""
    anything = locators[0]
    for locator in locators[1:]:
        anything = anything.or_(locator)
    try:
        expect(anything).to_have_count(0)
    except AssertionError:
        for locator in locators:
            expect(locator).to_have_count(0, timeout=1)
        raise


def query(database_url: str, sql: str, **params: object) -> list[tuple[object, ...]]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql), params)]
    finally:
        engine.dispose()


def users_with_subject(database_url: str, subject: str) -> list[tuple[object, ...]]:
    """(id, issuer, email, number of sign-ins) of every account with this subject."""
    return query(
        database_url,
        "SELECT u.id, u.issuer, u.email, (SELECT COUNT(*) FROM sign_ins s WHERE s.user_id = u.id) "
        "FROM users u WHERE u.subject = :subject",
        subject=subject,
    )


def sign_ins_ended(database_url: str, subject: str) -> list[bool]:
    rows = query(
        database_url,
        "SELECT s.ended_at IS NOT NULL FROM sign_ins s JOIN users u ON u.id = s.user_id "
        "WHERE u.subject = :subject ORDER BY s.id",
        subject=subject,
    )
    return [bool(ended) for (ended,) in rows]


def test_users_and_admins_sign_in_see_their_pages_and_stay_signed_in(
    idp: MockProvider, server: RunningServer, open_page: OpenPage
) -> None:
    idp.seed("user-1", email="ulla@example.com", name="Ulla User")
    user = open_page()
    with explain_failure(user, server):
        sign_in(user, idp, server, "user-1", "ulla@example.com")
        expect(user.get_by_test_id("stSidebar").get_by_text("Ulla User", exact=True)).to_be_visible()
        for title in USER_LINKS:
            expect(nav_link(user, title)).to_be_visible()
        for title in ADMIN_LINKS:
            expect(nav_link(user, title)).to_have_count(0)

        user.reload()
        expect_signed_in(user, "ulla@example.com")
        expect(user.get_by_role("heading", name="Generate", exact=True)).to_be_visible()

        tab = user.context.new_page()  # a new tab shares the browser's sign-in cookie
        tab.goto(f"{server.url}/account")
        expect(tab.get_by_role("heading", name="Account", exact=True)).to_be_visible()
        expect_signed_in(tab, "ulla@example.com")
        expect(tab.get_by_role("textbox", name="Email")).to_have_value("ulla@example.com")

        for path in ADMIN_PAGES:  # nor by address
            tab.goto(f"{server.url}{path}")
            expect_signed_in(tab, "ulla@example.com")
            expect(tab.get_by_text(REFUSED).first).to_be_visible()
            expect_no_admin_content(tab)

    admin = open_page()
    with explain_failure(admin, server):
        sign_in(admin, idp, server, "admin-1", ADMIN_EMAIL)
        for title in USER_LINKS + ADMIN_LINKS:
            expect(nav_link(admin, title)).to_be_visible()
        nav_link(admin, "Users").click()
        expect(admin.get_by_role("heading", name="Users", exact=True)).to_be_visible()
        admin.wait_for_url(f"{server.url}/admin_users")
        nav_link(admin, "Audit log").click()
        expect(admin.get_by_role("heading", name="Audit log", exact=True)).to_be_visible()
        admin.goto(f"{server.url}/admin_users")  # and by its address
        expect(admin.get_by_role("heading", name="Users", exact=True)).to_be_visible()
        expect(admin.get_by_test_id("stDataFrame")).to_be_visible()


def test_sign_out_ends_this_browser_and_sign_out_everywhere_else_ends_the_others(
    idp: MockProvider, server: RunningServer, open_page: OpenPage
) -> None:
    idp.seed("user-2", email="sam@example.com", name="Sam Signout")
    page = open_page()
    with explain_failure(page, server):
        sign_in(page, idp, server, "user-2", "sam@example.com")
        page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
        # st.logout goes through the provider's end-session page, which asks to confirm.
        page.wait_for_url(f"{idp.url}/oauth2/end_session**")
        page.get_by_role("button", name="End session").click()
        page.wait_for_url(f"{server.url}/**")
        expect(page.get_by_role("heading", name="Sign in to Atelier")).to_be_visible()
        expect_no_app_content(page)
        page.reload()
        expect(page.get_by_role("heading", name="Sign in to Atelier")).to_be_visible()
        expect_no_app_content(page)
    assert sign_ins_ended(server.database_url, "user-2") == [True]  # the app ended it too, not only the cookie

    idp.seed("user-3", email="eve@example.com", name="Eve Everywhere")
    here, elsewhere = open_page(), open_page()
    with explain_failure(elsewhere, server):
        sign_in(here, idp, server, "user-3", "eve@example.com")
        sign_in(elsewhere, idp, server, "user-3", "eve@example.com")
    with explain_failure(here, server):  # the report shows the page the failing step acted on
        here.goto(f"{server.url}/account")
        expect(here.get_by_role("heading", name="Account", exact=True)).to_be_visible()
        expect(here.get_by_role("heading", name="Recent sign-ins")).to_be_visible()
        wait_until_idle(here)  # the page's run has finished: the click starts the next one
        here.get_by_role("button", name="Sign out everywhere else").click()
        expect(here.get_by_text("Every other sign-in has ended.")).to_be_visible()
    with explain_failure(elsewhere, server):
        elsewhere.reload()
        expect(elsewhere.get_by_text("signed out from another device")).to_be_visible()
        expect_no_app_content(elsewhere)

    with explain_failure(here, server):
        here.reload()
        expect(here.get_by_role("heading", name="Account", exact=True)).to_be_visible()
        expect_signed_in(here, "eve@example.com")


def test_an_unverified_email_is_refused(idp: MockProvider, server: RunningServer, open_page: OpenPage) -> None:
    idp.seed("user-4", email="una@example.com", name="Una Unverified", email_verified=False)
    page = open_page()
    with explain_failure(page, server):
        start_sign_in(page, idp, server, "user-4")
        expect(page.get_by_text("has not verified")).to_be_visible()
        expect_no_app_content(page)
        expect(page.get_by_text("una@example.com")).to_have_count(0)
        page.goto(f"{server.url}/account")
        expect(page.get_by_text("has not verified")).to_be_visible()
        expect_no_app_content(page)


def test_an_email_changed_at_the_provider_updates_the_same_account(
    idp: MockProvider, server: RunningServer, open_page: OpenPage
) -> None:
    idp.seed("user-5", email="carl@example.com", name="Carl Change")
    first = open_page()
    with explain_failure(first, server):
        sign_in(first, idp, server, "user-5", "carl@example.com")
    [(user_id, issuer, email, sign_ins)] = users_with_subject(server.database_url, "user-5")
    assert (issuer, email, sign_ins) == (idp.url, "carl@example.com", 1)

    idp.seed("user-5", email="carl.new@example.com", name="Carl Change")
    second = open_page()
    with explain_failure(second, server):
        sign_in(second, idp, server, "user-5", "carl.new@example.com")
        second.goto(f"{server.url}/account")
        expect(second.get_by_role("heading", name="Account", exact=True)).to_be_visible()
        expect(second.get_by_role("textbox", name="Email")).to_have_value("carl.new@example.com")
        expect(second.get_by_text("carl@example.com", exact=True)).to_have_count(0)
    # One account, found by (issuer, subject), now with the new address and both sign-ins.
    assert users_with_subject(server.database_url, "user-5") == [(user_id, idp.url, "carl.new@example.com", 2)]


def test_admin_pages_stay_closed_to_guests_and_users_on_a_freshly_started_server(
    idp: MockProvider, secrets_file: Path, open_page: OpenPage, tmp_path: Path
) -> None:
    """reference/streamlit.md 5.4: before any session has run app.py, a fresh server may run a page file directly."""
    data_dir = tmp_path / "atelier"
    idp.seed("user-6", email="gus@example.com", name="Gus Guest")
    user, admin = open_page(), open_page()
    with oidc_server(data_dir, secrets_file, log_name="first.log") as first, explain_failure(user, first):
        sign_in(user, idp, first, "user-6", "gus@example.com")
        sign_in(admin, idp, first, "admin-1", ADMIN_EMAIL)
        park(user, admin)

    # Each fresh server's very first page request is a direct admin address: once by a guest, once by a user.
    # (Same port, so the sign-in cookies verify; every page is parked before its server stops, or its websocket
    # would reconnect to the new server on its own and run app.py before the visit under test, and the page
    # would log the lost server's refused requests.)
    guests: list[Page] = []
    for first_visitor, log_name in [("guest", "fresh-1.log"), ("user", "fresh-2.log")]:
        guests.append(guest := open_page())
        visits = [(guest, "guest"), (user, "user")]
        if first_visitor == "user":
            visits.reverse()
        with oidc_server(data_dir, secrets_file, port=first.port, log_name=log_name) as fresh:
            for visitor, who in visits:
                for path, refusal in REFUSALS.items():
                    with explain_failure(visitor, fresh):
                        visitor.goto(f"{fresh.url}{path}")
                        if who == "guest":
                            expect(visitor.get_by_role("heading", name="Sign in to Atelier")).to_be_visible()
                        else:  # still signed in (the sign-in cookie verifies), but refused
                            expect_signed_in(visitor, "gus@example.com")
                            expect(visitor.get_by_text(refusal).first).to_be_visible()
                        expect_no_admin_content(visitor)
            with explain_failure(user, fresh):  # nor a link to them in the user's navigation
                user.goto(f"{fresh.url}/")
                expect_signed_in(user, "gus@example.com")
                expect(nav_link(user, "Account")).to_be_visible()
                expect_no_admin_content(user)
            with explain_failure(admin, fresh):  # the same addresses do serve the admin pages to an admin
                for path, title in (ADMIN_PAGES | TEAM_PAGES).items():
                    admin.goto(f"{fresh.url}{path}")
                    expect(admin.get_by_role("heading", name=title, exact=True)).to_be_visible()
            park(user, admin, *guests)


def park(*pages: Page) -> None:
    """Leave the app in every page, so none is connected when its server stops."""
    for page in pages:
        page.goto("about:blank")


def test_an_expired_session_must_sign_in_again(
    idp: MockProvider, secrets_file: Path, open_page: OpenPage, tmp_path: Path
) -> None:
    data_dir = tmp_path / "atelier"
    idp.seed("user-7", email="olga@example.com", name="Olga Old")
    page = open_page()
    with oidc_server(data_dir, secrets_file, log_name="today.log") as today, explain_failure(page, today):
        sign_in(page, idp, today, "user-7", "olga@example.com")
        page.goto("about:blank")  # no websocket left to reconnect to the next server by itself

    # The same data and secrets, eight days later by the app's clock (SESSION_MAX_DAYS is 7).
    with (
        oidc_server(data_dir, secrets_file, clock_offset_days=8, port=today.port, log_name="later.log") as later,
        explain_failure(page, later),
    ):
        page.goto(f"{later.url}/")
        expect(page.get_by_text("a sign-in lasts")).to_be_visible()
        expect_no_app_content(page)
        expect(page.get_by_text("olga@example.com")).to_have_count(0)
        page.get_by_role("button", name="Sign in again").click()
        page.wait_for_url(f"{idp.authorize_url}**")
        expect(page.get_by_role("button", name="Authorize", exact=True)).to_be_visible()
        # Not signed in from here: the provider's clock is not moved, so a new id_token's iat would be
        # eight days old again by the app's clock.
