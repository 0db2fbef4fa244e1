"""The studio at the level of its peers, as one person uses it, in Chromium at 1366×900 and 390×844, light and dark:
three prompts in a row run together, the middle one is canceled, one result is varied, another upscaled, a region
of a third is painted and filled, an image is shared, the link opens in a fresh browser without signing in, and once
revoked the link fails. axe checks the pages on the way; the credits end where the jobs say."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from core.domain.shares import SHARE_PATH
from tests.e2e.server import RunningServer, running_server
from tests.e2e.test_share_link import LINK, visitor
from tests.e2e.test_share_link import check_accessibility as check_static_page
from tests.e2e.test_studio import (
    OPEN_TILE,
    SCHEMES,
    SIZES,
    balance_link,
    check_accessibility,
    check_no_sideways_scroll,
    settle,
    sign_in,
)

pytestmark = pytest.mark.e2e

JOB_MS = 30_000
PROMPTS = ("a red kite over the dunes", "a blue heron at dawn", "a green lantern in fog")
REGION_TEXT = "a golden sun"
SLOW_DOUBLE_CLICK_MS = 120  # reaches the server as two presses: two jobs without the token window
SECOND_CLICK_LATER = """(gap) => {
  let seen = false;
  document.addEventListener("click", (first) => {
    if (seen || !first.isTrusted) return;
    seen = true;
    setTimeout(() => document.elementFromPoint(first.clientX, first.clientY)?.click(), gap);
  }, {capture: true});
}"""
BEING_MADE = re.compile(r"being made: .*(Queued|Running)")


@pytest.fixture(scope="module")
def atelier(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """This module's own server on the offline engine: jobs take 9 s, so three submitted in a row overlap on a busy machine too."""
    with running_server(tmp_path_factory.mktemp("peer-studio"), engine_delay_seconds=9.0) as server:
        yield server


@pytest.fixture
def studio(browser: Browser, atelier: RunningServer, size: str, scheme: str) -> Iterator[BrowserContext]:
    context = browser.new_context(base_url=atelier.url, viewport=SIZES[size], color_scheme=scheme)
    context.set_default_timeout(20_000)
    yield context
    context.close()


def job(page: Page, prompt: str) -> Locator:
    """The feed's entries of the jobs made from `prompt` (not a faded copy a rerun leaves for a moment)."""
    entries = page.locator("[class*='st-key-feed-job-']").filter(has_not=page.locator('[data-stale="true"]'))
    return entries.filter(has_text=prompt)


def finished(page: Page, prompt: str, count: int = 1) -> None:
    charged = job(page, prompt).get_by_text(re.compile(r"^Charged \d+ credits?\.$"))
    expect(charged).to_have_count(count, timeout=JOB_MS)


def open_from_feed(page: Page, prompt: str) -> Locator:
    """Open the first image of the (latest) job made from `prompt` in the gallery's image view: a tile, or for a
    region's fill, shown before and after, its "Open in gallery"."""
    latest = job(page, prompt).first
    latest.get_by_role("button", name=OPEN_TILE).or_(latest.get_by_role("button", name="Open in gallery")).first.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    settle(page)
    return dialog


def paint(page: Page, dialog: Locator) -> None:
    """A stroke across the upper half of the picture with the brush."""
    canvas = dialog.locator(".atelier-brush .paint")
    expect(canvas).to_be_visible()
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None
    y = box["y"] + box["height"] * 0.3
    page.mouse.move(box["x"] + box["width"] * 0.2, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.8, y, steps=12)
    page.mouse.up()
    expect(dialog.get_by_role("button", name="Fill region")).to_be_enabled()


@pytest.mark.console_errors_expected(r"status of 404")  # the revoked link's page, on purpose
@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("size", SIZES)
def test_three_jobs_cancel_vary_upscale_fill_and_share_like_a_peer_studio(
    studio: BrowserContext, browser: Browser, size: str, scheme: str
) -> None:
    page = studio.new_page()
    sign_in(page, f"peer-{size}-{scheme}@example.com")
    expect(balance_link(page)).to_have_accessible_name("20 credits")
    settle(page)

    # 1. Three prompts in a row: the bar is ready for the next at once, and all three run.
    prompt = page.get_by_role("textbox", name="Prompt")
    generate = page.get_by_role("button", name="Generate · 1 credit")
    for text in PROMPTS:
        prompt.fill(text)
        expect(generate).to_be_enabled()
        generate.click()
        expect(job(page, text)).to_have_count(1)
    expect(page.get_by_role("status").filter(has_text=BEING_MADE)).to_have_count(3)

    # 2. Cancel the middle one while it runs: its credit comes back, the others finish.
    job(page, PROMPTS[1]).get_by_role("button", name="Cancel").click()
    expect(job(page, PROMPTS[1]).get_by_text("Canceled", exact=True)).to_be_visible()
    finished(page, PROMPTS[0])
    finished(page, PROMPTS[2])
    settle(page)
    expect(balance_link(page)).to_have_accessible_name("18 credits")  # two charged, the canceled one's returned
    check_no_sideways_scroll(page)
    check_accessibility(page, f"Generate with three jobs, {size}, {scheme}")

    # 3. Vary one result from its image view: new images of the same settings, a job of its own on Generate.
    dialog = open_from_feed(page, PROMPTS[2])
    dialog.get_by_role("button", name="Vary · 1 credit").click()
    expect(job(page, PROMPTS[2])).to_have_count(2)
    finished(page, PROMPTS[2], 2)

    # 4. Upscale another: twice the size, linked to its source.
    dialog = open_from_feed(page, PROMPTS[0])
    dialog.get_by_role("button", name=re.compile(r"^Upscale 2× · \d+ credits?$")).click()
    expect(job(page, PROMPTS[0])).to_have_count(2)
    finished(page, PROMPTS[0], 2)

    # 5. Paint a region of the upscaled image and say what goes there.
    dialog = open_from_feed(page, PROMPTS[0])
    dialog.get_by_text(re.compile(r"^Vary region")).click()
    settle(page)
    paint(page, dialog)
    check_accessibility(page, f"Vary region, {size}, {scheme}")
    dialog.get_by_label("What goes there").fill(REGION_TEXT)
    dialog.get_by_role("button", name="Fill region").click()
    expect(job(page, REGION_TEXT)).to_have_count(1)
    finished(page, REGION_TEXT)
    settle(page)
    check_no_sideways_scroll(page)

    # 6. Share the filled image through a public link.
    dialog = open_from_feed(page, REGION_TEXT)
    dialog.get_by_text("Share…").click()
    settle(page)  # as a person sees the panel open before pressing its button
    dialog.get_by_role("button", name="Create link").click()
    code = dialog.locator("code").filter(has_text=SHARE_PATH + "/")
    expect(code).to_have_count(1)
    found = LINK.search(code.inner_text())
    assert found, code.inner_text()
    link = found.group(0)

    # 7. A fresh browser that never signed in opens it and sees the picture.
    context, stranger, errors = visitor(browser, size)
    try:
        stranger.emulate_media(color_scheme=scheme)
        stranger.goto(link)
        expect(stranger.get_by_role("img", name="A picture shared from Atelier")).to_be_visible()
        check_static_page(stranger, f"Share page, {size}, {scheme}")
        assert errors == []

        # 8. Revoked, the link fails at once.
        dialog.get_by_role("button", name="Revoke").click()
        expect(code).to_have_count(0)
        answer = stranger.goto(link)
        assert answer is not None and answer.status == 404
        expect(stranger.get_by_role("heading", name="This link does not work")).to_be_visible()
    finally:
        context.close()


@pytest.mark.parametrize(("size", "scheme"), [("desktop", "light")])
def test_a_double_click_on_vary_in_the_image_view_makes_one_job(studio: BrowserContext, size: str, scheme: str) -> None:
    """A slow double click: the second click reaches the server after the first has made its job and asked for
    Generate (a quick one is folded into one press by Streamlit), and meets that job."""
    page = studio.new_page()
    sign_in(page, "double-vary@example.com")
    page.get_by_role("textbox", name="Prompt").fill(PROMPTS[0])
    page.get_by_role("button", name="Generate · 1 credit").click()
    finished(page, PROMPTS[0])
    dialog = open_from_feed(page, PROMPTS[0])
    # The first click is Playwright's own (it waits until the button takes clicks where it is, and clicks it there);
    # the page then clicks the same place again SLOW_DOUBLE_CLICK_MS later (the person's hand, timed in the page):
    # whatever is under the pointer then is clicked, as a real second click would be.
    page.evaluate(SECOND_CLICK_LATER, SLOW_DOUBLE_CLICK_MS)
    dialog.get_by_role("button", name="Vary · 1 credit").click()
    expect(job(page, PROMPTS[0])).to_have_count(2)
    settle(page)
    expect(balance_link(page)).to_have_accessible_name("18 credits")  # one generation, one variation
    finished(page, PROMPTS[0], 2)
    expect(job(page, PROMPTS[0])).to_have_count(2)
