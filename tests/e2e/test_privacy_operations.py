"""Issue 20's pages in Chromium, as a person sees them at 1366×900 and 390×844, light and dark: the privacy queue
with a request logged by email, the outbox with the mail it caused, the retention sweep with a run, the policies with
a change announced (and its notice above every page), and the privacy centre's requests and policies. Every page
passes axe (no serious or critical finding) and none scrolls sideways.

Each size gets one browser context, signed in by cookie (the sign-in form is not what is under test). Each page is
loaded once a size, in one theme, checked, then checked again in the other theme, which the app follows at once
as the system's setting changes: the theme each page is loaded in alternates, so both themes are met on a fresh
load as well as on a change."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from core.services.policies import PolicyService
from core.services.privacy_queue import PrivacyQueueService
from core.services.privacy_requests import RequestKind
from core.services.retention import RetentionService
from tests.e2e.seed import sign_in_by_cookie
from tests.e2e.server import RunningServer, running_server
from tests.e2e.test_studio import SCHEMES, SIZES, check_accessibility, check_no_sideways_scroll, settle
from tests.factories import make_container

pytestmark = pytest.mark.e2e

ADMIN = "admin@example.com"
NORA = "nora@example.com"
BACKGROUNDS = {"light": "rgb(251, 250, 247)", "dark": "rgb(17, 19, 23)"}  # the theme in effect is the one asked for
PAGES = (
    ("/admin_privacy", "Privacy queue", "1 shown · 0 overdue"),
    ("/admin_outbox", "Outbox", "We received your privacy request"),
    ("/admin_retention", "Retention", "Run the sweep now"),
    ("/admin_policies", "Policies", "2027-02-01"),
    ("/privacy", "Privacy", "Our privacy policy changes on"),
)


@pytest.fixture(scope="module")
def atelier(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A server whose database holds what these pages show: a request logged by email for Nora (and its email), a
    retention run, and the privacy policy's next version announced."""
    with running_server(tmp_path_factory.mktemp("operations"), extra_env={"ADMIN_EMAILS": ADMIN}) as server:
        c = make_container(tmp_path_factory.mktemp("seed"), server.database_url, admin_emails=ADMIN)
        admin = c.accounts.sign_in_local(ADMIN).user
        c.accounts.sign_in_local(NORA)
        queue = c.of(PrivacyQueueService)
        queue.log_request(admin, NORA, RequestKind.ACCESS, "Please send me everything you hold about me.", "email")
        c.of(RetentionService).run_now(admin)
        policies = c.of(PolicyService)
        effective = (c.clock() + timedelta(days=c.settings.policy_notice_days + 1)).date()
        policies.publish(admin, "privacy-policy", "2027-02-01", effective)
        yield server


@pytest.mark.parametrize("size", SIZES)
def test_the_privacy_operations_pages_pass_axe_and_fit_the_screen(
    browser: Browser, atelier: RunningServer, size: str
) -> None:
    context = browser.new_context(base_url=atelier.url, viewport=SIZES[size])
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        sign_in_by_cookie(context, atelier, ADMIN, admin_emails=ADMIN)
        for number, (path, heading, shows) in enumerate(PAGES):
            fresh, changed = SCHEMES if number % 2 == 0 else SCHEMES[::-1]
            page.emulate_media(color_scheme=fresh)
            page.goto(path)
            check_page(page, heading, shows, size, fresh)
            page.emulate_media(color_scheme=changed)
            check_page(page, heading, shows, size, changed)
    finally:
        context.close()


def check_page(page: Page, heading: str, shows: str, size: str, scheme: str) -> None:
    """The page shows what it should, in the theme asked for, passes axe once still and fits the screen."""
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    expect(page.get_by_text(shows).first).to_be_attached()
    # The theme asked for is in effect (a change is drawn a moment later).
    expect(page.get_by_test_id("stApp")).to_have_css("background-color", BACKGROUNDS[scheme])
    settle(page)
    check_accessibility(page, f"{heading} ({size}, {scheme})")
    check_no_sideways_scroll(page)
