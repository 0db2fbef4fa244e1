"""Take the screenshots of a job worked by the worker (issue 21): the Generate page right after a click, the job
waiting for the engine with Cancel, then its image (desktop light, phone dark). Run as
`python docs/worker_screenshots.py` from the project root."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Browser, Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from docs.take_screenshots import PHONE, VIEWPORT, shoot, sign_in  # noqa: E402
from tests.e2e.server import RunningServer, launch_chromium, running_server  # noqa: E402


def main() -> None:
    with (
        tempfile.TemporaryDirectory() as data_dir,
        running_server(Path(data_dir), app_env="development", engine_delay_seconds=6.0) as server,
        sync_playwright() as playwright,
    ):
        browser = launch_chromium(playwright)
        for viewport, scheme, name in ((VIEWPORT, "light", "studio-job-running"), (PHONE, "dark", "studio-job-phone")):
            page = page_for(browser, server, viewport, scheme)
            sign_in(page, f"{scheme}@example.com")
            page.get_by_role("textbox", name="Prompt").fill("a lighthouse on a cliff at dusk, long exposure")
            page.get_by_role("button", name="Generate").first.click()
            expect(page.get_by_role("button", name="Cancel")).to_be_visible()
            shoot(page, f"{name}.png", full=False)
            expect(page.get_by_text("Charged 1 credit.")).to_be_visible(timeout=30_000)
            shoot(page, f"{name}-done.png", full=False)


def page_for(browser: Browser, server: RunningServer, viewport: dict[str, int], scheme: str) -> Page:
    page = browser.new_context(base_url=server.url, viewport=viewport, color_scheme=scheme).new_page()  # type: ignore[arg-type]
    page.set_default_timeout(20_000)
    return page


if __name__ == "__main__":
    main()
