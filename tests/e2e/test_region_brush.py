"""Vary region's brush in Chromium: paint with a mouse and a finger, undo, erase, clear, choose an area with the
keyboard, and press Fill region; the probe (tests/e2e/brush_probe_app.py, in a dialog as the image view has it)
shows what on_submit received. At a desktop and a phone size, with axe on the way."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, CDPSession, Page, ViewportSize, expect

from tests.e2e.brush_probe_app import RECEIVED_KEY
from tests.e2e.server import running_script

pytestmark = pytest.mark.e2e

PROBE_APP = Path(__file__).with_name("brush_probe_app.py")
SIZES: dict[str, ViewportSize] = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
RECEIVED = re.compile(r"share=(\d+) bbox=(\d+),(\d+),(\d+),(\d+) size=600x400 mode=L text=(.*)")


@pytest.fixture(scope="module")
def probe_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_script(PROBE_APP, tmp_path_factory.mktemp("brush-probe")) as url:
        yield url


class Brush:
    """A visitor on the probe page, with a touch screen as well as a mouse."""

    def __init__(self, browser: Browser, url: str, viewport: ViewportSize, scheme: str = "light") -> None:
        self.context: BrowserContext = browser.new_context(
            base_url=url, viewport=viewport, has_touch=True, color_scheme="dark" if scheme == "dark" else "light"
        )
        self.context.set_default_timeout(15_000)
        self.page: Page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.goto("/")
        self.canvas = self.page.locator(".atelier-brush .paint")
        expect(self.canvas).to_be_visible()
        self.fill = self.page.get_by_role("button", name="Fill region")
        self.cdp: CDPSession | None = None

    def point(self, fx: float, fy: float) -> tuple[float, float]:
        """The page point at (fx, fy), fractions of the picture, scrolled into view first."""
        self.canvas.scroll_into_view_if_needed()
        box = self.canvas.bounding_box()
        assert box is not None
        return box["x"] + fx * box["width"], box["y"] + fy * box["height"]

    def mouse_stroke(self, start: tuple[float, float], end: tuple[float, float]) -> None:
        x0, y0 = self.point(*start)
        x1, y1 = self.point(*end)
        self.page.mouse.move(x0, y0)
        self.page.mouse.down()
        self.page.mouse.move(x1, y1, steps=12)
        self.page.mouse.up()

    def touch_stroke(self, start: tuple[float, float], end: tuple[float, float]) -> None:
        """A finger drawn across the picture: real touch events, which Chromium turns into touch pointer events."""
        x0, y0 = self.point(*start)
        x1, y1 = self.point(*end)
        self.cdp = self.cdp or self.context.new_cdp_session(self.page)
        send = self.cdp.send
        send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x0, "y": y0}]})
        for step in range(1, 13):
            x, y = x0 + (x1 - x0) * step / 12, y0 + (y1 - y0) * step / 12
            send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
        send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})

    def tool(self, name: str) -> None:
        self.page.locator(".atelier-brush").get_by_role("button", name=name, exact=True).click()

    def submit(self, text: str) -> tuple[int, tuple[int, int, int, int], str]:
        """Type `text`, press Fill region and read what on_submit received: (share %, bbox in %, text)."""
        before = self.page.locator(f".st-key-{RECEIVED_KEY}").inner_text()
        box = self.page.get_by_label("What goes there")
        box.fill(text)
        self.fill.click()
        received = self.page.locator(f".st-key-{RECEIVED_KEY}")
        expect(received).not_to_have_text(before)
        match = RECEIVED.search(received.inner_text())
        assert match, received.inner_text()
        share, *bbox, said = match.groups()
        return int(share), (int(bbox[0]), int(bbox[1]), int(bbox[2]), int(bbox[3])), said

    def choose_area(self, name: str) -> None:
        """The fallback, with the keyboard only: focus the picker, type the area's name, Enter."""
        picker = self.page.get_by_role("combobox", name="Or choose an area")
        picker.focus()
        self.page.keyboard.type(name)
        self.page.keyboard.press("Enter")
        expect(picker).to_have_value(name)


@pytest.fixture(params=list(SIZES))
def brush(request: pytest.FixtureRequest, browser: Browser, probe_url: str) -> Iterator[Brush]:
    visitor = Brush(browser, probe_url, SIZES[request.param])
    yield visitor
    visitor.context.close()


def test_paint_undo_touch_erase_and_fill_sends_the_mask_that_shows(brush: Brush) -> None:
    expect(brush.fill).to_be_disabled()  # nothing painted yet
    brush.mouse_stroke((0.1, 0.25), (0.9, 0.25))
    expect(brush.fill).to_be_enabled()
    expect(brush.page.locator(".atelier-brush .status")).to_have_text(re.compile(r"\d+% painted"))
    brush.tool("Undo")
    expect(brush.fill).to_be_disabled()
    brush.touch_stroke((0.2, 0.6), (0.8, 0.6))
    expect(brush.fill).to_be_enabled()
    # A wider brush (keyboard on the size slider), then erase the right end of the finger's stroke.
    size = brush.page.locator(".atelier-brush .size input")
    size.focus()
    for _ in range(5):
        brush.page.keyboard.press("ArrowRight")
    expect(size).to_have_value("50")
    brush.tool("Erase")
    expect(brush.page.locator(".atelier-brush .erase")).to_have_attribute("aria-pressed", "true")
    brush.mouse_stroke((0.65, 0.6), (0.95, 0.6))
    share, (left, top, right, bottom), said = brush.submit("a red kite")
    assert said == "a red kite"
    assert 8 <= left <= 20 and 50 <= right <= 64, (left, right)  # the undone stroke at 25% is gone, the erased end too
    assert 45 < top < 60 < bottom < 75, (top, bottom)
    assert 0 < share < 15
    brush.tool("Clear")
    expect(brush.fill).to_be_disabled()
    assert brush.errors == []


def test_the_keyboard_fallback_marks_an_area_and_the_brush_takes_it_over(brush: Brush) -> None:
    brush.choose_area("Left half")
    expect(brush.fill).to_be_enabled()
    share, bbox, _ = brush.submit("a calm sea")
    assert (share, bbox) == (50, (0, 0, 50, 100))
    # Painting afterwards starts from the area: the picker lets it go, and the stroke adds to it.
    brush.mouse_stroke((0.6, 0.5), (0.9, 0.5))
    expect(brush.page.get_by_role("combobox", name="Or choose an area")).to_have_value("None: use the brush")
    share, (left, top, right, bottom), _ = brush.submit("a calm sea")
    assert (left, top, bottom) == (0, 0, 100) and 90 <= right <= 100 and 50 < share < 65
    brush.choose_area("A rectangle I set")
    share, bbox, _ = brush.submit("a door")
    assert (share, bbox) == (25, (25, 25, 75, 75))
    assert brush.errors == []


def test_a_mask_over_the_whole_picture_is_refused_in_words(brush: Brush) -> None:
    brush.choose_area("A rectangle I set")
    for name in ("Left edge (%)", "Top edge (%)"):
        brush.page.get_by_role("slider", name=name).focus()
        brush.page.keyboard.press("Home")
    for name in ("Width (%)", "Height (%)"):
        brush.page.get_by_role("slider", name=name).focus()
        brush.page.keyboard.press("End")
    brush.page.get_by_label("What goes there").fill("anything")
    brush.fill.click()
    expect(brush.page.get_by_test_id("stAlert")).to_contain_text("covers the whole image")
    expect(brush.page.locator(f".st-key-{RECEIVED_KEY}")).to_have_text("received: nothing")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", list(SIZES))
def test_the_brush_passes_axe_and_shows_keyboard_focus(
    browser: Browser, probe_url: str, size: str, scheme: str
) -> None:
    visitor = Brush(browser, probe_url, SIZES[size], scheme)
    try:
        page = visitor.page
        visitor.mouse_stroke((0.2, 0.5), (0.7, 0.5))
        expect(visitor.fill).to_be_enabled()
        label = visitor.canvas.get_attribute("aria-label") or ""
        assert "choose an area" in label
        visitor.page.locator(".atelier-brush .clear").focus()
        page.keyboard.press("Shift+Tab")  # back to Undo, Erase, the size, then the picture, by keyboard
        for _ in range(3):
            page.keyboard.press("Shift+Tab")
        expect(visitor.canvas).to_be_focused()
        assert visitor.canvas.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"
        results = Axe().run(page, options={"resultTypes": ["violations"]})
        found = [
            (violation["id"], violation["impact"], node["target"])
            for violation in results.response["violations"]
            if violation["impact"] in ("serious", "critical")
            for node in violation["nodes"]
        ]
        assert found == []
    finally:
        visitor.context.close()
