"""Take the README screenshots: a fresh server, a few offline images, then Generate, Gallery, the detail view,
Credits and Account; then, as an admin, the Users page with a credit adjustment and the Audit log."""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as `python docs/take_screenshots.py` from the project root

from tests.e2e.server import launch_chromium, running_server  # noqa: E402

DOCS = ROOT / "docs"
ADMIN = "admin@example.com"
VIEWPORT = {"width": 1400, "height": 900}
# (prompt, aspect ratio, format, seed); the last one is what the Generate screenshot shows.
IMAGES = [
    ("teal waves under an orange sky", "1:1", "PNG", "11"),
    ("a purple and gold city at night", "3:4", "JPEG", "23"),
    ("green forest with yellow light, soft pink clouds", "3:2", "PNG", "5"),
    ("a red sun over deep blue mountains", "16:9", "JPEG", "42"),
]


def main() -> None:
    with (
        tempfile.TemporaryDirectory() as data_dir,
        running_server(
            Path(data_dir),
            engine_delay_seconds=1.0,
            app_env="development",
            extra_env={"ADMIN_EMAILS": ADMIN},
        ) as server,
        sync_playwright() as playwright,
    ):
        browser = launch_chromium(playwright)
        page = browser.new_context(base_url=server.url, viewport=VIEWPORT).new_page()
        page.set_default_timeout(20_000)
        sign_in(page, "alice@example.com")
        for prompt, ratio, fmt, seed in IMAGES:
            generate(page, prompt, ratio, fmt, seed)
        shoot(page, "generate.png")

        open_page(page, "Gallery")
        expect(page.get_by_test_id("stMain").locator('img[src*="/api/media/"]')).to_have_count(len(IMAGES))
        shoot(page, "gallery.png")

        page.get_by_role("button", name="Open", exact=True).first.click()
        expect(page.get_by_role("link", name="Download original")).to_be_visible()
        shoot(page, "gallery-detail.png")

        open_page(page, "Credits")
        expect(page.get_by_test_id("stDataFrame")).to_be_visible()
        shoot(page, "credits.png")

        open_page(page, "Account")
        expect(page.get_by_role("heading", name="Recent sign-ins")).to_be_visible()
        shoot(page, "account.png")

        # The development sign-in lives in the tab, so the admin signs in in a new one.
        page = browser.new_context(base_url=server.url, viewport=VIEWPORT).new_page()
        page.set_default_timeout(20_000)
        sign_in(page, ADMIN)
        open_page(page, "Users")
        page.get_by_role("combobox", name=re.compile("Manage a user")).click()
        page.get_by_role("option", name=re.compile("alice@example.com")).click()
        page.get_by_role("spinbutton", name="Amount").fill("10")
        page.get_by_role("textbox", name=re.compile("Reason")).fill("Welcome to the beta")
        page.get_by_role("button", name="Apply adjustment").click()
        expect(page.get_by_text("+10 credits applied.")).to_be_visible()
        shoot(page, "admin-users.png")

        open_page(page, "Audit log")
        expect(page.get_by_test_id("stDataFrame")).to_be_visible()
        shoot(page, "audit-log.png")
        browser.close()


def sign_in(page: Page, email: str) -> None:
    page.goto("/")
    page.get_by_role("textbox", name="Email").fill(email)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("stSidebar").get_by_text(f"Signed in as {email}")).to_be_visible()


def open_page(page: Page, title: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()


def generate(page: Page, prompt: str, ratio: str, fmt: str, seed: str) -> None:
    """Waits for this job's own picture (a new link), so the previous job's "Done" is not mistaken for it."""
    job_image = page.get_by_test_id("stMain").locator('img[src*="/api/media/"][src*="/original?"]')
    previous = job_image.first.get_attribute("src") if job_image.count() else None
    page.get_by_role("textbox", name="Prompt").fill(prompt)
    page.get_by_role("combobox", name=re.compile("Aspect ratio")).click()
    page.get_by_role("option", name=ratio, exact=True).click()
    page.get_by_test_id("stForm").get_by_text(fmt, exact=True).click()
    page.get_by_role("textbox", name="Seed").fill(seed)
    page.get_by_role("button", name="Generate · 1 credit").click()
    expect(job_image.first).to_be_visible()
    if previous is not None:
        expect(job_image.first).not_to_have_attribute("src", previous)
    expect(page.get_by_text(re.compile(r"^Done\. "))).to_be_visible()


def shoot(page: Page, name: str) -> None:
    """Full page: Streamlit scrolls inside its main section, so grow the viewport to the content first."""
    page.mouse.move(
        VIEWPORT["width"] // 2, 5
    )  # no hover effects (sidebar collapse arrow, image toolbar) in the picture
    settle(page)
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": VIEWPORT["width"], "height": max(VIEWPORT["height"], height)})
    settle(page)
    page.screenshot(path=str(DOCS / name), full_page=True)
    page.set_viewport_size(VIEWPORT)
    print(f"wrote docs/{name}")


def settle(page: Page) -> None:
    """No script run in progress and every image decoded."""
    expect(page.get_by_test_id("stStatusWidget")).to_be_hidden()
    page.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
    page.wait_for_timeout(300)  # let the last layout and fade-in transitions finish before the pixels are taken


if __name__ == "__main__":
    main()
