"""Take the privacy screenshots: the privacy centre (desktop light, phone dark), a job the safety check withheld with
its "Ask a person to review", the admin's Safety reviews with that image open, and Admin → Privacy queue with a
correction to answer; last, an account scheduled for deletion, with its notice and "Keep my account"."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as `python docs/privacy_screenshots.py` from the project root

from core.services.local_sessions import COOKIE  # noqa: E402
from docs.take_screenshots import PHONE, VIEWPORT, open_page, settle, shoot, sign_in  # noqa: E402
from tests.e2e.server import launch_chromium, running_server  # noqa: E402
from tests.waiting import wait_until  # noqa: E402

ADMIN = "admin@example.com"
USER = "nora@example.com"


def main() -> None:
    with (
        tempfile.TemporaryDirectory() as data_dir,
        running_server(
            Path(data_dir), engine_delay_seconds=1.0, app_env="development", extra_env={"ADMIN_EMAILS": ADMIN}
        ) as server,
        sync_playwright() as playwright,
    ):
        browser = launch_chromium(playwright)
        page = browser.new_context(base_url=server.url, viewport=VIEWPORT).new_page()
        page.set_default_timeout(20_000)
        sign_in(page, USER)
        generate(page, "a lighthouse on a cliff at dusk")
        expect(page.get_by_role("button", name="Open: a lighthouse on a cliff at dusk")).to_be_visible()
        generate(page, "a nude statue in a garden")  # the offline engine's word list withholds it
        expect(page.get_by_text("The safety filter withheld the image.")).to_be_visible()
        page.get_by_role("button", name="Ask a person to review").click()
        expect(page.get_by_text("Waiting for a person to review it.")).to_be_visible()
        shoot(page, "generate-withheld.png", full=False)

        open_page(page, "Privacy")
        page.get_by_text("Use my images to train models", exact=True).click()
        expect(page.get_by_text("Saved: Use my images to train models is on.")).to_be_visible()
        settle(page)
        page.get_by_role("textbox", name="What is wrong, and what should it be?").fill(
            "My invoices should name my company, Nora Design Ltd."
        )
        page.get_by_role("button", name="Send request").click()
        expect(page.get_by_text("My invoices should name my company").last).to_be_visible()
        page.get_by_role("button", name="Prepare my download").click()
        expect(page.get_by_role("link", name="Download everything")).to_be_visible()
        shoot(page, "privacy.png")

        dark = browser.new_context(base_url=server.url, viewport=PHONE, color_scheme="dark").new_page()
        dark.set_default_timeout(20_000)
        sign_in(dark, USER)
        wait_until(lambda: any(c["name"] == COOKIE for c in dark.context.cookies()), what="the sign-in cookie")
        dark.goto("/privacy")
        expect(dark.get_by_role("heading", name="Privacy", exact=True)).to_be_visible()
        shoot(dark, "privacy-phone-dark.png", full=False)

        admin = browser.new_context(base_url=server.url, viewport=VIEWPORT).new_page()
        admin.set_default_timeout(20_000)
        sign_in(admin, ADMIN)
        open_page(admin, "Safety reviews")
        admin.get_by_role("button", name="Open").first.click()
        expect(admin.get_by_role("button", name="Release")).to_be_visible()
        shoot(admin, "safety-review.png", full=False)

        open_page(page, "Privacy")
        settle(page)
        page.get_by_role("textbox", name="Type your account's email address to confirm").fill(USER)
        page.get_by_role("button", name="Delete my account").click()
        expect(page.get_by_text("Its reference is")).to_be_visible()
        page.get_by_text("Delete my account", exact=True).first.scroll_into_view_if_needed()
        shoot(page, "privacy-delete.png", full=False)


def generate(page: Page, prompt: str) -> None:
    page.get_by_role("textbox", name="Prompt").fill(prompt)
    page.get_by_role("button", name="Generate · 1 credit").click()
    expect(page.get_by_text(prompt).last).to_be_visible()
    expect(page.get_by_role("button", name="Cancel")).to_have_count(0, timeout=20_000)


if __name__ == "__main__":
    main()
