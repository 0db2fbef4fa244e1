"""The image grid's ThumbHash placeholders, favourite stars, captions and selection mode, in Chromium.

This file is also the probe page: `streamlit run` executes it as __main__ and draws three tiles with
ThumbHash placeholders, stars and captions (one hostile), in selection mode with ?mode=select, and
writes what the grid reported. Its pictures are served by the test's own route, so a test decides
when they load. One server runs for the module.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Locator, Page, Route, expect

from tests.e2e.server import running_script
from tests.waiting import wait_until

pytestmark = pytest.mark.e2e

HOSTILE = "<img src=x onerror=alert(1)>"
# id: (alt, size, colour, caption)
PICTURES: dict[str, tuple[str, tuple[int, int], tuple[int, int, int], tuple[tuple[str, bool], ...]]] = {
    "1": ("a red barn", (300, 200), (200, 40, 40), (("a red ", False), ("barn", True), (" at dusk", False))),
    "2": ("a green hill", (200, 300), (40, 160, 60), (("a cat ", False), (HOSTILE, True), (" on a hill", False))),
    "3": ("a blue sea", (400, 200), (40, 60, 200), ()),
}
PICTURE_PATH = "/probe-picture/"
INLINE_HANDLERS = """() => {
  const found = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      for (const attribute of el.attributes) if (attribute.name.startsWith('on')) found.push(el.outerHTML.slice(0, 80));
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return found;
}"""


def picture(image_id: str) -> Image.Image:
    _, size, colour, _ = PICTURES[image_id]
    return Image.new("RGB", size, colour)


def picture_png(image_id: str) -> bytes:
    buffer = io.BytesIO()
    picture(image_id).save(buffer, "PNG")
    return buffer.getvalue()


def main() -> None:
    import streamlit as st

    from core.image_previews import thumbhash_of
    from pages.components.image_grid import STAR, GridItem, image_grid

    state = st.session_state
    state.setdefault("probe.starred", set())
    state.setdefault("probe.selected", frozenset())
    state.setdefault("probe.log", [])

    def on_action(image_id: str, action: str) -> None:
        state["probe.log"].append(f"{action}:{image_id}")
        if action == STAR:
            state["probe.starred"] ^= {image_id}

    def on_select(ids: list[str]) -> None:
        state["probe.log"].append("select:" + ",".join(sorted(ids)))
        state["probe.selected"] = frozenset(ids)

    def select_all() -> None:
        state["probe.selected"] = frozenset(PICTURES)

    def clear() -> None:
        state["probe.selected"] = frozenset()

    st.button("Select all", on_click=select_all)
    st.button("Clear selection", on_click=clear)
    items = [
        GridItem(
            image_id,
            f"{PICTURE_PATH}{image_id}.png",
            alt,
            *size,
            thumbhash=thumbhash_of(picture(image_id)),
            starred=image_id in state["probe.starred"],
            caption=caption,
        )
        for image_id, (alt, size, _, caption) in PICTURES.items()
    ]
    image_grid(
        items,
        key="probe.grid",
        on_open=lambda image_id: state["probe.log"].append(f"open:{image_id}"),
        on_action=on_action,
        selectable=st.query_params.get("mode") == "select",
        selected=state["probe.selected"],
        on_select=on_select,
    )
    st.container(key="probe-log").text("log: " + " ".join(state["probe.log"]))
    st.container(key="probe-selected").text("selected: " + ",".join(sorted(state["probe.selected"])))


# ---- the tests ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def probe_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """This file, run by `streamlit run` (its `main()`), for the module's tests."""
    with running_script(Path(__file__), tmp_path_factory.mktemp("grid-probe")) as url:
        yield url


class Probe:
    """A fresh visitor on the probe page. Pictures load at once, or wait while `hold` is set."""

    def __init__(self, browser: Browser, url: str, *, scheme: str = "light") -> None:
        self.context: BrowserContext = browser.new_context(
            base_url=url,
            viewport={"width": 1400, "height": 900},
            color_scheme="dark" if scheme == "dark" else "light",
        )
        self.context.set_default_timeout(15_000)
        self.hold = False
        self.held: list[Route] = []
        self.alerts: list[str] = []
        self.context.route(f"**{PICTURE_PATH}*", self._picture)
        self.page = self.context.new_page()
        self.page.on("dialog", lambda dialog: (self.alerts.append(dialog.message), dialog.dismiss()))

    def _picture(self, route: Route) -> None:
        if self.hold:
            self.held.append(route)
        else:
            self.serve(route)

    @staticmethod
    def serve(route: Route) -> None:
        image_id = route.request.url.rsplit("/", 1)[1].removesuffix(".png")
        route.fulfill(status=200, content_type="image/png", body=picture_png(image_id))

    def open(self, path: str = "/") -> Page:
        self.page.goto(path)
        expect(self.page.locator(".tile")).to_have_count(len(PICTURES))
        return self.page

    def tile(self, image_id: str) -> Locator:
        return self.page.locator(f'.tile[data-id="{image_id}"]')

    def logged(self, text: str) -> None:
        """What the grid reported to Python, in order: "open:1", "star:1", "select:1,2"."""
        expect(self.page.locator(".st-key-probe-log")).to_have_text(f"log: {text}".strip())

    def selected(self, ids: str) -> None:
        """The selection Python holds, as "1,2"."""
        expect(self.page.locator(".st-key-probe-selected")).to_have_text(f"selected: {ids}".strip())


@pytest.fixture
def probe(browser: Browser, probe_url: str) -> Iterator[Probe]:
    probe = Probe(browser, probe_url)
    yield probe
    probe.context.close()


def average_colour(data_url: str) -> tuple[float, ...]:
    image = Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1]))).convert("RGB")
    pixels = list(image.tobytes())
    count = len(pixels) // 3
    return tuple(sum(pixels[band::3]) / count for band in range(3))


def test_a_thumbhash_shows_until_the_picture_has_loaded_then_the_picture_fades_in(probe: Probe) -> None:
    probe.hold = True
    page = probe.open()
    for image_id in PICTURES:
        pic = probe.tile(image_id).locator(".pic")
        expect(pic).to_have_attribute("style", re.compile(r'background-image: url\("data:image/png;base64,'))
        expect(pic.locator("img")).to_have_css("opacity", "0")
        url = pic.evaluate("el => el.style.backgroundImage.slice(5, -2)")
        placeholder = average_colour(url)
        colour = PICTURES[image_id][2]
        assert all(abs(a - b) < 30 for a, b in zip(placeholder, colour, strict=True)), (placeholder, colour)
    # Every picture asked for and held by the test: none can have arrived, so none may show as loaded.
    wait_until(lambda: len(probe.held) == len(PICTURES), what="the browser asked for every picture", page=page)
    assert not page.locator(".pic.loaded").count()
    while probe.held:
        probe.serve(probe.held.pop())
    for image_id in PICTURES:
        pic = probe.tile(image_id).locator(".pic")
        expect(pic.locator("img")).to_have_css("opacity", "1")
        expect(pic).to_have_css("background-image", "none")  # gone once faded in, as a transparent picture needs


def test_captions_mark_the_matches_and_show_hostile_text_as_text(probe: Probe) -> None:
    page = probe.open()
    hostile = probe.tile("2").locator(".caption")
    expect(hostile).to_have_text(f"a cat {HOSTILE} on a hill")
    expect(hostile.locator("mark")).to_have_text(HOSTILE)
    expect(hostile.locator("img")).to_have_count(0)
    expect(probe.tile("1").locator(".caption mark")).to_have_text("barn")
    # The caption sits under the picture, which keeps the image's shape.
    shapes = page.locator(".tile").evaluate_all(
        """tiles => tiles.map(t => {
             const pic = t.querySelector('.pic').getBoundingClientRect();
             const caption = t.querySelector('.caption').getBoundingClientRect();
             return {shown: pic.width / pic.height, under: caption.top >= pic.bottom - 1, lines: caption.height};
           })"""
    )
    for shape, (_, (width, height), _, _) in zip(shapes, PICTURES.values(), strict=True):
        assert abs(shape["shown"] / (width / height) - 1) < 0.02 and shape["under"], shape
        assert shape["lines"] <= 40, shape
    # No element anywhere (shadow roots too) carries an event handler from the text, so nothing can run later.
    assert page.evaluate(INLINE_HANDLERS) == []
    assert probe.alerts == []


def test_a_star_fills_at_once_and_reports_the_action_without_opening(probe: Probe) -> None:
    probe.open()
    tile = probe.tile("1")
    star = tile.get_by_role("button", name="Add to favourites")
    expect(star).to_have_css("opacity", "0")  # until the pointer or the focus is on the tile
    tile.hover()
    expect(star).to_have_css("opacity", "1")
    expect(star).to_have_attribute("aria-pressed", "false")
    # Read in the same task as the click: no rerun can have answered yet, so this is the browser's own update.
    assert star.evaluate("b => { b.click(); return [b.getAttribute('aria-pressed'), b.ariaLabel] }") == [
        "true",
        "Remove from favourites",
    ]
    probe.logged("star:1")
    starred = tile.get_by_role("button", name="Remove from favourites")
    expect(starred).to_have_attribute("aria-pressed", "true")
    probe.page.mouse.move(1, 1)
    expect(starred).to_have_css("opacity", "1")  # a starred tile shows its star without hover
    expect(probe.tile("2").locator(".star")).to_have_css("opacity", "0")
    starred.click()
    expect(tile.get_by_role("button", name="Add to favourites")).to_have_attribute("aria-pressed", "false")
    probe.logged("star:1 star:1")


def test_selection_mode_toggles_tiles_by_click_and_keyboard_and_python_owns_the_selection(probe: Probe) -> None:
    page = probe.open("/?mode=select")
    boxes = page.get_by_role("checkbox", name="Select image:")
    expect(boxes).to_have_count(len(PICTURES))
    probe.tile("1").hover()
    expect(probe.tile("1").locator(".actions")).to_be_hidden()
    expect(page.get_by_role("button", name="Open: a red barn")).to_have_count(0)
    barn = page.get_by_role("checkbox", name="Select image: a red barn")
    hill = page.get_by_role("checkbox", name="Select image: a green hill")
    expect(barn).to_have_attribute("aria-checked", "false")

    barn.click()
    expect(barn).to_have_attribute("aria-checked", "true")
    expect(probe.tile("1")).to_have_class(re.compile(r"\bselected\b"))
    probe.selected("1")
    hill.focus()
    page.keyboard.press("Space")
    expect(hill).to_have_attribute("aria-checked", "true")
    probe.selected("1,2")
    page.keyboard.press("Enter")
    expect(hill).to_have_attribute("aria-checked", "false")
    probe.selected("1")
    expect(hill).to_be_focused()
    probe.logged("select:1 select:1,2 select:1")  # and no open:

    page.get_by_role("button", name="Select all").click()
    for box in boxes.all():
        expect(box).to_have_attribute("aria-checked", "true")
    expect(page.locator(".tile.selected .check")).to_have_count(len(PICTURES))
    page.get_by_role("button", name="Clear selection").click()
    for box in boxes.all():
        expect(box).to_have_attribute("aria-checked", "false")
    expect(page.locator(".tile.selected")).to_have_count(0)


def test_quick_clicks_in_selection_mode_all_count(probe: Probe) -> None:
    page = probe.open("/?mode=select")
    for image_id in PICTURES:
        probe.tile(image_id).locator(".open").click()
    probe.selected("1,2,3")
    expect(page.locator(".tile.selected")).to_have_count(len(PICTURES))


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_selection_mode_and_stars_pass_axe(browser: Browser, probe_url: str, scheme: str) -> None:
    probe = Probe(browser, probe_url, scheme=scheme)
    try:
        page = probe.open("/?mode=select")
        page.get_by_role("checkbox", name="Select image: a blue sea").click()
        probe.selected("3")
        page.get_by_role("checkbox", name="Select image: a red barn").focus()
        for target in page.locator(".star, .check").all():
            box = target.bounding_box()
            assert box is not None and box["width"] >= 24 and box["height"] >= 24, box
        results = Axe().run(page, options={"resultTypes": ["violations"]})
        ours = [
            (violation["id"], node["target"])
            for violation in results.response["violations"]
            for node in violation["nodes"]
            if any(part in str(node["target"]) for part in (".tile", ".grid", ".act", ".star", ".caption", "mark"))
        ]
        assert ours == []
    finally:
        probe.context.close()


if __name__ == "__main__":
    main()
