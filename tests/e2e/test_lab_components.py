"""The prompt lab's grid (a table of pictures that opens or picks them) and its before/after slider, in Chromium.

This file is also the probe page: `streamlit run` executes it as __main__ and draws a 2 × 3 lab grid (one cell
still running, one row winner, one rated) in picking mode with ?mode=pick, writes what the grid reported, and
shows a compare slider over two data-URL pictures. One server runs for the module.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Locator, Page, ViewportSize, expect

from tests.e2e.server import running_script

pytestmark = pytest.mark.e2e

COLUMNS = ["CFG 4", "CFG 7", "CFG 10"]
ROWS = ["Seed 1", "Seed 2"]
CORNER = "Seed / CFG"
COLOURS = [(200, 40, 40), (40, 160, 60), (40, 60, 200), (220, 200, 40), (120, 40, 160)]
RUNNING = "6"  # the last cell's picture is still being made
OURS = (".atelier-lab", ".atelier-compare", ".tile", "table", "caption", "th")  # any axe finding on these fails
SIZES: dict[str, ViewportSize] = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


def png_url(colour: tuple[int, int, int], size: tuple[int, int] = (96, 64)) -> str:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def main() -> None:
    import streamlit as st

    from pages.components.compare_slider import compare_slider
    from pages.components.lab_grid import LabTile, lab_grid

    state = st.session_state
    state.setdefault("probe.opened", "nothing")
    state.setdefault("probe.picked", ())

    def tile(number: int) -> LabTile:
        row, column = divmod(number - 1, len(COLUMNS))
        alt = f"a lighthouse, {ROWS[row]}, {COLUMNS[column]}"
        if str(number) == RUNNING:
            return LabTile(str(number), "", alt, label="Running 40%")
        return LabTile(
            str(number), png_url(COLOURS[number - 1]), alt, badge="★4 · 👍" if number == 2 else "", winner=number == 4
        )

    def opened(tile_id: str) -> None:
        state["probe.opened"] = tile_id

    def picked(ids: list[str]) -> None:
        state["probe.picked"] = tuple(ids)

    if st.query_params.get("mode") == "big":  # an 8 × 8 lab: one component, no widget per tile
        big = [
            [LabTile(f"{r}-{c}", png_url(COLOURS[(r + c) % 5], (8, 8)), f"cell {r}, {c}") for c in range(8)]
            for r in range(8)
        ]
        lab_grid([f"x{c}" for c in range(8)], [f"y{r}" for r in range(8)], big, key="probe.big", caption="Big")
        return
    st.button("Clear pick", on_click=lambda: state.update({"probe.picked": ()}))
    lab_grid(
        COLUMNS,
        ROWS,
        [[tile(row * len(COLUMNS) + column + 1) for column in range(len(COLUMNS))] for row in range(len(ROWS))],
        key="probe.lab",
        caption="A lighthouse: seeds against CFG",
        corner=CORNER,
        on_open=opened,
        picking=st.query_params.get("mode") == "pick",
        picked=state["probe.picked"],
        on_pick=picked,
    )
    st.container(key="probe-opened").text(f"opened {state['probe.opened']}")
    st.container(key="probe-picked").text("picked: " + ",".join(state["probe.picked"]))
    compare_slider(
        png_url((230, 230, 220), (300, 200)),
        png_url((30, 40, 120), (300, 200)),
        before_label="Seed 1",
        after_label="Seed 2",
        before_alt="a pale lighthouse",
        after_alt="a dark lighthouse",
        key="probe.compare",
    )


# ---- the tests ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def probe_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """This file, run by `streamlit run` (its `main()`), for the module's tests."""
    with running_script(Path(__file__), tmp_path_factory.mktemp("lab-probe")) as url:
        yield url


class Probe:
    """A fresh visitor on the probe page."""

    def __init__(self, browser: Browser, url: str, size: str = "desktop", scheme: str = "light") -> None:
        self.context: BrowserContext = browser.new_context(
            base_url=url, viewport=SIZES[size], color_scheme="dark" if scheme == "dark" else "light"
        )
        self.context.set_default_timeout(15_000)
        self.page: Page = self.context.new_page()

    def open(self, path: str = "/") -> Page:
        self.page.goto(path)
        expect(self.page.locator(".atelier-lab .tile")).to_have_count(len(COLUMNS) * len(ROWS))
        expect(self.page.locator(".atelier-compare .after")).to_be_visible()
        return self.page

    def tile(self, tile_id: str) -> Locator:
        return self.page.locator(f'.atelier-lab .tile[data-id="{tile_id}"]')

    def shows(self, what: str, text: str) -> None:
        expect(self.page.locator(f".st-key-probe-{what}")).to_have_text(text)


@pytest.fixture
def probe(browser: Browser, probe_url: str) -> Iterator[Probe]:
    probe = Probe(browser, probe_url)
    yield probe
    probe.context.close()


def test_the_grid_is_a_table_with_headers_and_a_click_or_enter_opens_the_tile(probe: Probe) -> None:
    page = probe.open()
    table = page.get_by_role("table", name="A lighthouse: seeds against CFG")
    expect(table.get_by_role("columnheader")).to_have_text([CORNER, *COLUMNS])
    expect(table.get_by_role("rowheader")).to_have_text(ROWS)
    expect(table.locator('th[scope="col"].column')).to_have_count(3)
    expect(table.locator('th[scope="row"]')).to_have_count(2)
    # Names say what a sighted person reads on the tile: its state, its rating, its win.
    expect(page.get_by_role("button", name="a lighthouse, Seed 2, CFG 10, Running 40%")).to_be_visible()
    expect(page.get_by_role("button", name="a lighthouse, Seed 1, CFG 7, ★4 · 👍")).to_be_visible()
    winner = page.get_by_role("button", name="a lighthouse, Seed 2, CFG 4, Winner of its row")
    expect(winner.locator(".winner")).to_have_text("Winner")
    img = probe.tile("1").locator("img")
    expect(img).to_have_attribute("loading", "lazy")
    expect(img).to_have_attribute("decoding", "async")
    assert img.evaluate("el => getComputedStyle(el).objectFit") == "contain"
    box = probe.tile("1").bounding_box()
    assert box is not None and 150 <= box["width"] <= 170 and 150 <= box["height"] <= 170, box

    probe.tile("5").click()
    probe.shows("opened", "opened 5")
    probe.tile("2").focus()
    page.keyboard.press("Enter")
    probe.shows("opened", "opened 2")
    expect(probe.tile("2")).to_be_focused()  # the rerun kept the focus where it was
    page.keyboard.press("Tab")
    expect(probe.tile("3")).to_be_focused()
    assert probe.tile("3").evaluate("el => getComputedStyle(el).outlineStyle") == "solid"
    page.keyboard.press("Space")
    probe.shows("opened", "opened 3")
    expect(probe.tile("1")).not_to_have_attribute("aria-pressed", re.compile(".*"))


def test_sixty_four_tiles_render_in_one_component(probe: Probe) -> None:
    page = probe.page
    page.goto("/?mode=big")
    expect(page.locator(".atelier-lab .tile")).to_have_count(64)
    expect(page.get_by_role("table", name="Big").get_by_role("rowheader")).to_have_count(8)
    expect(page.get_by_role("button", name="cell 7, 7")).to_be_attached()


def test_picking_chooses_two_tiles_at_most_and_reports_them(probe: Probe) -> None:
    page = probe.open("/?mode=pick")
    expect(probe.tile("1")).to_have_attribute("aria-pressed", "false")
    expect(probe.tile(RUNNING)).to_be_disabled()  # a picture still being made cannot be compared
    probe.tile("1").click()
    expect(probe.tile("1")).to_have_attribute("aria-pressed", "true")
    expect(probe.tile("1").locator(".pick")).to_have_text("Pick 1")
    probe.tile("5").focus()
    page.keyboard.press("Space")
    probe.shows("picked", "picked: 1,5")
    expect(probe.tile("5").locator(".pick")).to_have_text("Pick 2")
    probe.tile("4").click()  # a third pick drops the oldest
    probe.shows("picked", "picked: 5,4")
    expect(probe.tile("1")).to_have_attribute("aria-pressed", "false")
    probe.tile("5").click()  # and a picked tile clicked again leaves the pick
    probe.shows("picked", "picked: 4")
    probe.shows("opened", "opened nothing")
    page.get_by_role("button", name="Clear pick").click()  # Python's pick is the truth
    probe.shows("picked", "picked: ")
    expect(page.locator('.atelier-lab .tile[aria-pressed="true"]')).to_have_count(0)


def test_the_slider_moves_with_the_keyboard_and_a_drag_on_the_picture(probe: Probe) -> None:
    page = probe.open()
    slider = page.get_by_role("slider", name="Compare: drag to reveal Seed 2")
    after = page.locator(".atelier-compare .after")
    expect(slider).to_have_value("50")
    clip = after.evaluate("el => getComputedStyle(el).clipPath")
    slider.focus()
    page.keyboard.press("ArrowRight")
    expect(slider).to_have_value("51")
    assert after.evaluate("el => getComputedStyle(el).clipPath") != clip
    expect(slider).to_have_attribute("aria-valuetext", "51% Seed 2, 49% Seed 1")
    expect(page.locator(".atelier-compare .after-tag")).to_have_text("Seed 2")
    expect(page.locator(".atelier-compare .before-tag")).to_have_text("Seed 1")
    stage = page.locator(".atelier-compare .stage")
    stage.scroll_into_view_if_needed()
    box = stage.bounding_box()
    assert box is not None and abs(box["width"] / box["height"] - 1.5) < 0.02, box  # the pictures' own shape
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.25, box["y"] + box["height"] / 2, steps=6)
    page.mouse.up()
    expect(slider).to_have_value(re.compile(r"^2[4-6]$"))
    divider = page.locator(".atelier-compare .divider").bounding_box()
    assert divider is not None and abs(divider["x"] + divider["width"] / 2 - (box["x"] + box["width"] * 0.25)) < 4


def test_on_a_phone_the_grid_scrolls_inside_its_box_and_the_page_does_not(browser: Browser, probe_url: str) -> None:
    probe = Probe(browser, probe_url, "phone")
    try:
        page = probe.open()
        scroller = page.locator(".atelier-lab .scroller")
        assert scroller.evaluate("el => el.scrollWidth > el.clientWidth")
        assert page.evaluate("() => document.scrollingElement.scrollWidth <= window.innerWidth")
        header = page.get_by_role("rowheader", name="Seed 1")
        before = header.bounding_box()
        scroller.evaluate("el => { el.scrollLeft = el.scrollWidth }")
        probe.tile("3").click()  # a tile scrolled into view still opens
        probe.shows("opened", "opened 3")
        after = header.bounding_box()
        assert before is not None and after is not None and abs(after["x"] - before["x"]) < 1  # held at the left
        stage = page.locator(".atelier-compare .stage").bounding_box()
        assert stage is not None and stage["width"] <= 390
    finally:
        probe.context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", list(SIZES))
def test_the_lab_components_pass_axe(browser: Browser, probe_url: str, size: str, scheme: str) -> None:
    probe = Probe(browser, probe_url, size, scheme)
    try:
        page = probe.open("/?mode=pick")
        probe.tile("1").click()
        probe.shows("picked", "picked: 1")
        page.get_by_role("slider", name="Compare: drag to reveal Seed 2").focus()
        results = Axe().run(page, options={"resultTypes": ["violations"]})
        found = [
            (violation["id"], violation["impact"], node["target"])
            for violation in results.response["violations"]
            for node in violation["nodes"]
            if violation["impact"] in ("serious", "critical") or any(part in str(node["target"]) for part in OURS)
        ]
        assert found == []
    finally:
        probe.context.close()


if __name__ == "__main__":
    main()
