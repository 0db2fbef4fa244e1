"""What a person waits for in the browser: the page still (no script run, nothing faded), the sign-in's cookie set."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.waiting import wait_until

RUN_MS = 20_000  # the longest script run a test waits out (a job's last poll and the rerun that follows)
# No transition or animation under way, shadow roots included; endless ones (a spinner) never end, so they don't count.
NOTHING_MOVING = """() => document.getAnimations().every(
  a => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity)"""


def settle(page: Page, timeout: float = RUN_MS) -> None:
    """No script run going, no status widget, nothing stale and nothing fading: the page a reader sees once it is
    still. Streamlit's own app root says whether a run is going (`data-test-script-state`), and the document lists
    its running transitions, so this waits for those to end, not for a time."""
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning", timeout=timeout)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=timeout)
    expect(page.locator('[data-stale="true"]')).to_have_count(0, timeout=timeout)
    # An element coming back from stale fades in (a CSS transition): until it ends, its colours are not the
    # page's own, and axe would measure a contrast no reader sees once the page is still.
    page.wait_for_function(NOTHING_MOVING, timeout=timeout)


def wait_for_cookie(page: Page, name: str, timeout: float = 10.0) -> None:
    """Until the browser holds the cookie `name`: after a sign-in, before a pasted link is opened in a new load."""
    wait_until(
        lambda: any(cookie["name"] == name for cookie in page.context.cookies()),
        timeout=timeout,
        what=f"the browser holds the {name} cookie",
        page=page,
    )
