"""Take the privacy queue's screenshots: Admin → Privacy queue with a request received by email logged and opened
(desktop, light) and the same on a phone (390 px, dark), and the user's "Your requests" with the date we answer by.
Run as `python docs/privacy_queue_screenshots.py` from the project root."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from docs.take_screenshots import PHONE, VIEWPORT, open_page, settle, shoot, sign_in  # noqa: E402
from tests.e2e.server import launch_chromium, running_server  # noqa: E402

ADMIN = "admin@example.com"
USER = "nora@example.com"


def main() -> None:
    with (
        tempfile.TemporaryDirectory() as data_dir,
        running_server(Path(data_dir), app_env="development", extra_env={"ADMIN_EMAILS": ADMIN}) as server,
        sync_playwright() as playwright,
    ):
        browser = launch_chromium(playwright)
        user = browser.new_context(base_url=server.url, viewport=VIEWPORT).new_page()
        user.set_default_timeout(20_000)
        sign_in(user, USER)

        admin = browser.new_context(base_url=server.url, viewport=VIEWPORT).new_page()
        admin.set_default_timeout(20_000)
        sign_in(admin, ADMIN)
        open_page(admin, "Privacy queue")
        log_request(admin, "Please send me a copy of everything you hold about me.")
        expect(admin.get_by_test_id("stDataFrame")).to_be_visible()
        settle(admin)
        admin.get_by_role("combobox", name="Open a request").click()
        admin.get_by_role("listbox").get_by_text("Access").click()
        expect(admin.get_by_role("button", name="Run the export for them")).to_be_attached()
        admin.get_by_role("heading", name="Request").scroll_into_view_if_needed()
        settle(admin)
        shoot(admin, "privacy-queue.png", full=False)

        phone = browser.new_context(base_url=server.url, viewport=PHONE, color_scheme="dark").new_page()
        phone.set_default_timeout(20_000)
        sign_in(phone, ADMIN)
        phone.goto("/admin_privacy")
        expect(phone.get_by_role("heading", name="Privacy queue")).to_be_visible()
        shoot(phone, "privacy-queue-phone-dark.png", full=False)

        open_page(user, "Privacy")
        user.get_by_role("heading", name="Your requests").scroll_into_view_if_needed()
        settle(user)
        shoot(user, "privacy-your-requests.png", full=False)


def log_request(page: Page, words: str) -> None:
    page.get_by_text("Log a request received by email or post").click()
    page.get_by_role("textbox", name="The person's account email").fill(USER)
    page.get_by_role("combobox", name="What they ask for").fill("Access")
    page.keyboard.press("Enter")
    page.get_by_role("textbox", name="Their words").fill(words)
    page.get_by_role("button", name="Log the request").click()
    expect(page.get_by_text("logged; due")).to_be_visible()


if __name__ == "__main__":
    main()
