"""Take the screenshots of the prompt lab (issue 23), at 1366×900 in light and 390×844 in dark: the experiment
builder with its cost, a finished 2×2 grid, a cell opened with its rating, Admin → Presets, and the style chip on
Generate. Run as `python docs/lab_screenshots.py` from the project root."""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from docs.take_screenshots import PHONE, VIEWPORT, shoot  # noqa: E402
from docs.worker_screenshots import page_for  # noqa: E402
from tests.e2e.seed import sign_in_by_cookie  # noqa: E402
from tests.e2e.server import RunningServer, launch_chromium, running_server  # noqa: E402
from tests.e2e.still import settle  # noqa: E402

LEAD = "lead@example.com"  # ADMIN_EMAILS: an admin is a team member too


def build_and_run(page: Page, style: str, name: str) -> None:
    page.goto("/")  # the router's first run lists the pages; then the Lab by its address
    expect(page.get_by_role("heading", name="Generate")).to_be_visible()
    page.goto("/lab")
    page.get_by_role("tab", name="Templates").click()
    page.get_by_role("textbox", name="Name").fill(name)
    page.get_by_role("textbox", name="Prompt").fill("a lighthouse at {time}, {medium}")
    page.get_by_role("button", name="Save template").click()
    expect(page.get_by_text("Variables: {time}, {medium}")).to_be_visible()
    page.get_by_role("tab", name="New experiment").click()
    settle(page)
    choose(page, "Columns", "Variable {time}")
    page.get_by_role("textbox", name="Values of {time}").fill("dawn\ndusk")
    page.get_by_role("textbox", name="Values of {time}").blur()
    settle(page)  # the rerun that adds the next axis
    choose(page, "Rows", "Seed")
    settle(page)
    page.get_by_role("textbox", name="Seed values").fill("11, 12")
    page.get_by_role("textbox", name="Seed values").press("Enter")
    page.get_by_role("textbox", name="{medium}").fill(style)
    page.get_by_role("textbox", name="{medium}").press("Enter")
    run = page.get_by_role("button", name=re.compile(r"^Run 4 cells"))
    expect(run).to_be_enabled()
    run.scroll_into_view_if_needed()  # the cost on the button, in the picture


def choose(page: Page, label: str, option: str) -> None:
    """Pick from a select box; a click that lands while the page reruns closes its menu, so it is tried again."""
    for attempt in range(3):
        settle(page)
        page.get_by_test_id("stSelectbox").filter(has_text=label).click()
        try:
            page.get_by_role("option", name=option).click(timeout=5_000)
            return
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise


def main() -> None:
    with (
        tempfile.TemporaryDirectory() as data_dir,
        running_server(Path(data_dir), app_env="development", extra_env={"ADMIN_EMAILS": LEAD}) as server,
        sync_playwright() as playwright,
    ):
        browser = launch_chromium(playwright)
        for viewport, scheme, tag in ((VIEWPORT, "light", "desktop"), (PHONE, "dark", "phone")):
            page = page_for(browser, server, viewport, scheme)
            sign_in_by_cookie(page.context, server, f"{scheme}-{LEAD}", admin_emails=f"{scheme}-{LEAD}")
            build_and_run(page, "watercolour", "Lighthouses" if tag == "desktop" else "Lighthouses, phone")
            shoot(page, f"lab-builder-{tag}.png", full=False)
            page.get_by_role("button", name=re.compile(r"^Run 4 cells")).click()
            expect(page.get_by_text("4 of 4 cells finished")).to_be_visible(timeout=60_000)
            shoot(page, f"lab-grid-{tag}.png", full=False)
            page.get_by_role("button", name=re.compile("dusk")).first.click()
            dialog = page.get_by_role("dialog")
            dialog.get_by_role("radio", name="5 out of 5 stars").click()
            dialog.get_by_role("textbox", name="Comment").fill("The warmest light")
            shoot(page, f"lab-cell-{tag}.png", full=False)
            dialog.get_by_role("button", name="Save rating").click()
            expect(dialog).to_have_count(0)
            publish(page, server, viewport, scheme, tag)


def publish(page: Page, server: RunningServer, viewport: dict[str, int], scheme: str, tag: str) -> None:
    page.get_by_role("button", name=re.compile("dusk")).first.click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("Promote to a preset").click()
    dialog.get_by_role("textbox", name="Preset name").fill(f"Dusk watercolour {tag}")
    dialog.get_by_role("textbox", name="Preset prompt").fill("{subject} at dusk, watercolour")
    dialog.get_by_role("button", name="Promote").click()
    expect(dialog.get_by_text("is a draft preset")).to_be_visible()
    page.goto("/admin_presets")
    page.get_by_role("button", name="Publish").first.click()
    expect(page.get_by_text("Published").first).to_be_visible()
    shoot(page, f"lab-presets-{tag}.png", full=False)
    user = page.context.browser.new_context(  # type: ignore[union-attr]
        base_url=server.url,
        viewport=viewport,
        color_scheme=scheme,  # type: ignore[arg-type]
    ).new_page()
    sign_in_by_cookie(user.context, server, f"{scheme}-bob@example.com")
    user.goto("/")
    user.get_by_role("radio", name=f"Dusk watercolour {tag}").click()
    user.get_by_role("textbox", name="Prompt").fill("a red kite over the dunes")
    user.get_by_role("button", name=re.compile(r"^Generate · ")).click()
    expect(user.get_by_text("a red kite over the dunes at dusk, watercolour").first).to_be_visible()
    shoot(user, f"lab-style-{tag}.png", full=False)


if __name__ == "__main__":
    main()
