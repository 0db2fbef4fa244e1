"""Sharing in Chromium: the owner makes a link in the image view, a fresh browser (no sign-in) opens it at
1366×900 and 390×844, light and dark, and sees the picture alone (no prompt, as it was not shared), accessible
(axe: no serious or critical finding), fitting the screen, with no console error; the owner revokes it and the
link answers "This link does not work"."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, expect

from core.domain.shares import SHARE_PATH
from tests.e2e.seed import make_images, seeded_container, sign_in_by_cookie
from tests.e2e.server import RunningServer
from tests.e2e.test_studio import BLOCKING, SCHEMES, SIZES, check_no_sideways_scroll
from tests.factories import create_form

pytestmark = pytest.mark.e2e

EMAIL = "sharer@example.com"
PROMPT = "a lighthouse at dusk over a calm violet sea"
LINK = re.compile(r"https?://[^\s]+/s/[A-Za-z0-9_-]{32}")


@pytest.fixture(scope="module")
def image_id(atelier: RunningServer) -> int:
    c = seeded_container(atelier)
    try:
        user = c.accounts.sign_in_local(EMAIL).user
        return make_images(c, user, [create_form(PROMPT)])[0]
    finally:
        c.db.engine.dispose()


@pytest.fixture
def owner(browser: Browser, atelier: RunningServer) -> Iterator[Page]:
    context = browser.new_context(base_url=atelier.url, viewport=SIZES["desktop"])
    sign_in_by_cookie(context, atelier, EMAIL)
    yield context.new_page()
    context.close()


def make_link(page: Page, image_id: int) -> str:
    page.goto(f"/gallery?image={image_id}")
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("Share…").click()
    dialog.get_by_role("button", name="Create link").click()
    code = dialog.locator("code").filter(has_text=SHARE_PATH + "/")
    expect(code).to_have_count(1)
    found = LINK.search(code.inner_text())
    assert found, code.inner_text()
    return found.group(0)


def check_accessibility(page: Page, where: str) -> None:
    """No serious or critical axe finding (a static page: nothing to wait for once its picture is drawn)."""
    results = Axe().run(page, options={"resultTypes": ["violations"]})
    found = [f"{v['id']} ({v['impact']})" for v in results.response["violations"] if v["impact"] in BLOCKING]
    assert found == [], f"{where}: {found}"


def visitor(browser: Browser, size: str) -> tuple[BrowserContext, Page, list[str]]:
    """A fresh browser that never signed in, recording its console errors."""
    context = browser.new_context(viewport=SIZES[size])
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return context, page, errors


@pytest.mark.console_errors_expected(r"status of 404")  # the revoked link's page, on purpose
def test_a_link_opens_without_sign_in_shows_the_picture_alone_and_stops_when_revoked(
    browser: Browser, owner: Page, image_id: int
) -> None:
    link = make_link(owner, image_id)
    for size in SIZES:
        context, page, errors = visitor(browser, size)
        try:
            for scheme in SCHEMES:
                page.emulate_media(color_scheme=scheme)
                page.goto(link)
                picture = page.get_by_role("img", name="A picture shared from Atelier")
                expect(picture).to_be_visible()
                page.wait_for_function(
                    "() => { const i = document.querySelector('img'); return i.complete && i.naturalWidth > 0; }"
                )
                assert PROMPT not in page.content()  # shared without its prompt
                background = page.evaluate("getComputedStyle(document.body).backgroundColor")
                assert background == ("rgb(250, 247, 242)" if scheme == "light" else "rgb(20, 17, 14)")
                check_accessibility(page, f"{size}, {scheme}")
                check_no_sideways_scroll(page)
            assert errors == []
        finally:
            context.close()

    owner.get_by_role("dialog").get_by_role("button", name="Revoke").click()
    expect(owner.get_by_role("dialog").locator("code").filter(has_text=SHARE_PATH + "/")).to_have_count(0)
    context, page, _ = visitor(browser, "phone")
    try:
        answer = page.goto(link)
        assert answer is not None and answer.status == 404
        expect(page.get_by_role("heading", name="This link does not work")).to_be_visible()
    finally:
        context.close()
