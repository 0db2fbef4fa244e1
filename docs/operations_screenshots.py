"""Take the screenshots of privacy operations (issue 20): a policy change announced, with its notice above the
Generate page and the privacy centre's Policies section with the lines that change; Admin → Policies; Admin → Outbox
with the mail it caused, one opened (desktop light, phone dark); Admin → Retention after a sweep run by hand
(desktop dark, phone light). Run as `python docs/operations_screenshots.py` from the project root."""

from __future__ import annotations

import sys
import tempfile
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import Browser, Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.services.local_sessions import COOKIE  # noqa: E402
from core.services.policies import PolicyService  # noqa: E402
from docs.take_screenshots import PHONE, VIEWPORT, open_page, settle, shoot, sign_in  # noqa: E402
from tests.e2e.server import RunningServer, launch_chromium, running_server  # noqa: E402
from tests.factories import make_container  # noqa: E402
from tests.waiting import wait_until  # noqa: E402

ADMIN = "admin@example.com"
USER = "nora@example.com"


def main() -> None:
    with (
        tempfile.TemporaryDirectory() as data_dir,
        tempfile.TemporaryDirectory() as seed_dir,
        running_server(Path(data_dir), app_env="development", extra_env={"ADMIN_EMAILS": ADMIN}) as server,
        sync_playwright() as playwright,
    ):
        browser = launch_chromium(playwright)
        admin = page_for(browser, server, VIEWPORT, "light")
        sign_in(admin, ADMIN)
        user = page_for(browser, server, VIEWPORT, "light")
        sign_in(user, USER)
        announce(server, seed_dir)

        user.reload()
        expect(user.get_by_text("Our privacy policy changes on").first).to_be_visible()
        shoot(user, "policy-notice.png", full=False)
        open_page(user, "Privacy")
        user.get_by_role("link", name="Policies").first.click()
        expect(user.get_by_text("What changes").first).to_be_visible()
        settle(user)
        user.get_by_text("Policies", exact=True).last.scroll_into_view_if_needed()
        shoot(user, "privacy-policies.png", full=False)

        open_page(admin, "Policies")
        shoot(admin, "admin-policies.png")
        open_page(admin, "Outbox")
        admin.get_by_role("button", name="Open").first.click()
        expect(admin.get_by_text("Message-ID").first).to_be_visible()
        shoot(admin, "admin-outbox.png", full=False)
        phone = page_for(browser, server, PHONE, "dark")
        signed_in(phone)
        phone.goto("/admin_outbox")
        expect(phone.get_by_role("heading", name="Outbox", exact=True)).to_be_visible()
        shoot(phone, "admin-outbox-phone-dark.png", full=False)

        dark = page_for(browser, server, VIEWPORT, "dark")
        sign_in(dark, ADMIN)
        open_page(dark, "Retention")
        dark.get_by_role("button", name="Run the sweep now").click()
        expect(dark.get_by_text("The sweep finished").first).to_be_visible()
        shoot(dark, "admin-retention-dark.png")
        small = page_for(browser, server, PHONE, "light")
        signed_in(small)
        small.goto("/admin_retention")
        expect(small.get_by_role("heading", name="Retention", exact=True)).to_be_visible()
        shoot(small, "admin-retention-phone.png", full=False)


def page_for(browser: Browser, server: RunningServer, viewport: dict[str, int], scheme: str) -> Page:
    page = browser.new_context(base_url=server.url, viewport=viewport, color_scheme=scheme).new_page()  # type: ignore[arg-type]
    page.set_default_timeout(20_000)
    return page


def signed_in(page: Page) -> None:
    """Sign in as the admin, then wait for the sign-in cookie, which a page opened by its address needs."""
    sign_in(page, ADMIN)
    wait_until(lambda: any(c["name"] == COOKIE for c in page.context.cookies()), what="the sign-in cookie")


def announce(server: RunningServer, seed_dir: str) -> None:
    """Publish the privacy policy's next version (a material change) 31 days ahead, as an admin would."""
    c = make_container(Path(seed_dir), server.database_url, admin_emails=ADMIN)
    admin = c.accounts.sign_in_local(ADMIN).user
    effective = (c.clock() + timedelta(days=c.settings.policy_notice_days + 1)).date()
    c.of(PolicyService).publish(admin, "privacy-policy", "2027-02-01", effective)


if __name__ == "__main__":
    main()
