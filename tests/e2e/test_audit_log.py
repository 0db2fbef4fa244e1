"""The audit log page in Chromium: the only way to export it is the audited "Download as CSV" (the table has no
toolbar download, nor a grid to copy from), and the entries read as people read them: subjects by email, details
as key: value."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import create_engine, text

from core.domain import Role
from tests.e2e.seed import sign_in_by_cookie
from tests.e2e.server import RunningServer, running_server
from tests.e2e.test_studio import SIZES, check_accessibility, settle
from tests.factories import make_container

pytestmark = pytest.mark.e2e

ADMIN = "admin@example.com"
BACKGROUNDS = {"light": "rgb(251, 250, 247)", "dark": "rgb(17, 19, 23)"}


@pytest.fixture(scope="module")
def atelier(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("audit"), extra_env={"ADMIN_EMAILS": ADMIN}) as server:
        yield server


@pytest.fixture
def page(browser: Browser, atelier: RunningServer) -> Iterator[Page]:
    context = browser.new_context(base_url=atelier.url, viewport=SIZES["desktop"], accept_downloads=True)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def exports_logged(server: RunningServer) -> int:
    engine = create_engine(server.database_url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(text("SELECT count(*) FROM audit_log WHERE action = 'audit.exported'")).scalar_one()
            )
    finally:
        engine.dispose()


def test_the_audit_log_has_no_unaudited_export_and_reads_as_people_read_it(
    page: Page, atelier: RunningServer, tmp_path: Path
) -> None:
    sign_in(page, atelier)  # ADMIN_EMAILS (admin_emails here too) makes this account an admin, and logs that
    c = make_container(tmp_path, atelier.database_url)  # the server's own database, to act as its admin would
    admin = c.accounts.sign_in_local(ADMIN).user
    bob = c.accounts.sign_in_local("bob@example.com").user
    c.admin.adjust_credits(admin, bob.id, 5, "Goodwill after an outage", "e2e-goodwill")
    c.admin.set_role(admin, bob.id, Role.TEAM)

    page.goto("/admin_audit")
    expect(page.get_by_role("heading", name="Audit log", exact=True)).to_be_visible()
    entries = page.get_by_test_id("stTable").or_(page.get_by_test_id("stDataFrame"))
    expect(entries).to_be_visible()
    settle(page)

    # Hovering the entries offers no toolbar: no download, no search, no fullscreen grid to copy from.
    entries.hover()
    expect(page.get_by_test_id("stElementToolbar")).to_have_count(0)
    expect(page.get_by_test_id("stDataFrame")).to_have_count(0)
    download = page.get_by_role("button", name="Download as CSV")
    expect(download).to_have_count(1)

    table = page.get_by_test_id("stTable")
    expect(table.get_by_role("row")).to_have_count(4)  # the header and three entries
    newest = table.get_by_role("row").nth(1)
    expect(newest).to_contain_text("role.changed")
    expect(newest).to_contain_text("bob@example.com")
    expect(newest).to_contain_text("old: user")
    expect(newest).to_contain_text("new: team")
    adjusted = table.get_by_role("row").nth(2)
    expect(adjusted).to_contain_text("amount: 5")
    expect(adjusted).to_contain_text("reason: Goodwill after an outage")
    expect(table).not_to_contain_text("user:")
    expect(table).not_to_contain_text("{")

    # The one export there is, is audited.
    before = exports_logged(atelier)
    with page.expect_download() as got:
        download.click()
    assert got.value.suggested_filename == "atelier-audit-log.csv"
    assert exports_logged(atelier) == before + 1


def test_no_table_offers_its_own_download_not_even_the_admins_list_of_users(page: Page, atelier: RunningServer) -> None:
    sign_in(page, atelier)
    page.goto("/admin_users")
    users = page.get_by_test_id("stDataFrame")
    expect(users).to_be_visible()
    settle(page)
    users.hover()
    expect(page.get_by_test_id("stElementToolbar")).to_be_visible()  # search and fullscreen stay
    expect(page.get_by_role("button", name="Download as CSV")).to_have_count(0)


def test_on_a_phone_each_entry_is_a_card_that_fits_the_screen(browser: Browser, atelier: RunningServer) -> None:
    """In light and in dark: one load, then the other theme, which the app follows at once as the system's does."""
    context = browser.new_context(base_url=atelier.url, viewport=SIZES["phone"], color_scheme="light")
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, atelier)
    page.goto("/admin_audit")
    for scheme in BACKGROUNDS:
        page.emulate_media(color_scheme=scheme)
        expect(page.get_by_role("button", name="Download as CSV")).to_be_visible()
        expect(page.get_by_test_id("stApp")).to_have_css("background-color", BACKGROUNDS[scheme])
        settle(page)
        entries = page.get_by_role("list", name="Audit log entries, newest first")
        card = entries.get_by_role("listitem").filter(has_text="admin@example.com").first
        expect(card).to_be_visible()
        expect(page.get_by_test_id("stTable")).to_be_hidden()  # the table is for wide screens
        box = card.bounding_box()
        assert box is not None and box["width"] > 300  # a card's full width, not a fifth of a squeezed table
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways"
        check_accessibility(page, f"Audit log on a phone ({scheme})")
    context.close()


def sign_in(page: Page, atelier: RunningServer) -> None:
    """The admin signed in by cookie (the sign-in form has tests of its own); the next page load opens signed in."""
    sign_in_by_cookie(page.context, atelier, ADMIN, admin_emails=ADMIN)
