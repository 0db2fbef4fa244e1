"""Take the screenshots of the studio at its peers' level (issue 22), at 1366×900 in light and 390×844 in dark:
three jobs at once, the image view with Vary, Upscale and Vary region's brush, a shared image's public page, and the
Credits statement as cards on a phone. Run as `python docs/peer_screenshots.py` from the project root."""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from docs.take_screenshots import PHONE, VIEWPORT, shoot, sign_in  # noqa: E402
from docs.worker_screenshots import page_for  # noqa: E402
from tests.e2e.server import launch_chromium, running_server  # noqa: E402
from tests.e2e.still import settle  # noqa: E402
from tests.e2e.test_peer_studio import paint  # noqa: E402
from tests.e2e.test_share_link import LINK  # noqa: E402

PROMPTS = ("a lighthouse on a cliff at dusk", "a red kite over golden dunes", "a green lantern in the fog")


def main() -> None:
    with (
        tempfile.TemporaryDirectory() as data_dir,
        running_server(Path(data_dir), app_env="development", engine_delay_seconds=5.0) as server,
        sync_playwright() as playwright,
    ):
        browser = launch_chromium(playwright)
        for viewport, scheme, tag in ((VIEWPORT, "light", "desktop"), (PHONE, "dark", "phone")):
            page = page_for(browser, server, viewport, scheme)
            sign_in(page, f"peers-{scheme}@example.com")
            for prompt in PROMPTS:
                page.get_by_role("textbox", name="Prompt").fill(prompt)
                page.get_by_role("button", name=re.compile(r"^Generate · ")).click()
                settle(page)  # as a person sees each job appear before typing the next
            expect(page.get_by_role("button", name="Cancel")).to_have_count(3)
            shoot(page, f"peers-three-jobs-{tag}.png", full=False)
            expect(page.get_by_role("button", name="Cancel")).to_have_count(0, timeout=60_000)  # all three done
            settle(page)
            page.get_by_role("button", name=re.compile(r"^Open: ")).first.click()
            dialog = page.get_by_role("dialog")
            expect(dialog.get_by_role("button", name=re.compile(r"^Vary · "))).to_be_visible()
            settle(page)
            shoot(page, f"peers-image-view-{tag}.png", full=False)
            dialog.get_by_text(re.compile(r"^Vary region")).click()
            paint(page, dialog)
            settle(page)
            dialog.locator(".atelier-brush").scroll_into_view_if_needed()
            shoot(page, f"peers-vary-region-{tag}.png", full=False)
            dialog.get_by_text("Share…").click()
            dialog.get_by_role("button", name="Create link").click()
            code = dialog.locator("code").filter(has_text="/s/")
            expect(code).to_have_count(1)
            found = LINK.search(code.inner_text())
            assert found, code.inner_text()
            stranger = browser.new_context(viewport=viewport, color_scheme=scheme).new_page()  # type: ignore[arg-type]
            stranger.goto(found.group(0))
            expect(stranger.get_by_role("img")).to_be_visible()
            stranger.wait_for_function("() => document.querySelector('img').complete")
            shoot(stranger, f"peers-share-page-{tag}.png", full=False)
            if tag == "phone":
                page.goto("/credits")
                expect(page.get_by_text(re.compile(r"Balance after")).first).to_be_visible()
                settle(page)
                shoot(page, "peers-credits-cards-phone.png", full=False)


if __name__ == "__main__":
    main()
