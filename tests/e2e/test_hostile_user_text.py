"""In Chromium: an account whose email is markdown shows it as text on every page, and no browser fetches its URL."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, Page, Route, expect

from tests.e2e.server import RunningServer

pytestmark = pytest.mark.e2e

CANARY = "http://127.0.0.1:9999/p.png"
HOSTILE_EMAIL = f"![a]({CANARY})@x.com"


def test_a_markdown_email_is_shown_as_text_and_its_image_is_never_fetched(
    context: BrowserContext, page: Page, atelier: RunningServer
) -> None:
    elsewhere: list[str] = []

    def only_the_app(route: Route) -> None:
        if route.request.url.startswith(atelier.url):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    context.route("**/*", only_the_app)
    page.goto("/")
    expect(page.get_by_text("Test mode · anyone can sign in as anyone")).to_be_visible()
    page.get_by_role("textbox", name="Email").fill(HOSTILE_EMAIL)
    page.get_by_role("button", name="Sign in").click()
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text(f"Signed in as {HOSTILE_EMAIL.lower()}")).to_be_visible()
    for title in ("Gallery", "Credits", "Generate"):
        page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
        expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
        expect(page.get_by_text("Test mode · anyone can sign in as anyone")).to_be_visible()
    expect(sidebar.locator("img[src*='9999'], a[href*='9999']")).to_have_count(0)
    assert elsewhere == []
