"""The gallery grid and its lightbox in a real browser: tiles keep their shape, a click or a key opens and moves
the lightbox with its own URL, Back steps back, a phone gets two tiles a row, and every picture says what it shows.

The images are made through the services over the server's own database and files (the Generate page has
browser tests of its own); everything after that goes through the browser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from tests.e2e.seed import make_images, seeded_container, sign_in_by_cookie
from tests.e2e.server import RunningServer
from tests.e2e.still import settle
from tests.factories import create_form

pytestmark = pytest.mark.e2e

EMAIL = "grid@example.com"
# Oldest first; the gallery shows them newest first: square, portrait, panorama, landscape.
MADE = [("a grey landscape", "3:2"), ("a red square", "1:1"), ("tall blue pines", "9:16"), ("a wide teal sea", "21:9")]
ASPECT = """tiles => tiles.map(t => {
  const img = t.querySelector('img'), box = t.getBoundingClientRect();
  return {id: t.dataset.id, shown: box.width / box.height, natural: img.naturalWidth / img.naturalHeight,
          top: Math.round(box.top), loaded: img.complete && img.naturalWidth > 0};
})"""


@pytest.fixture(scope="module")
def images(atelier: RunningServer) -> Iterator[list[int]]:
    """The ids of the images made for EMAIL, oldest first."""
    c = seeded_container(atelier)
    user = c.accounts.sign_in_local(EMAIL).user
    ids = make_images(c, user, [create_form(prompt, aspect_ratio=ratio) for prompt, ratio in MADE])
    c.db.engine.dispose()
    yield ids


def open_gallery(page: Page, atelier: RunningServer, *, by_link: bool = False) -> None:
    """Signed in (by cookie: the sign-in form has tests of its own), the Gallery from the menu (or, on a phone
    where the menu is folded away, by its URL)."""
    if by_link:
        open_link(page, atelier, "/gallery")
    else:
        open_link(page, atelier, "/")
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Gallery").click()
    expect(page.get_by_role("heading", name="Gallery", exact=True)).to_be_visible()
    expect(page.locator(".tile .open img")).to_have_count(len(MADE))


def open_link(page: Page, atelier: RunningServer, path: str) -> None:
    """Open a URL in a new page load, as a pasted link does, with the sign-in in the browser's cookie."""
    sign_in_by_cookie(page.context, atelier, EMAIL)
    page.goto(path)


def tiles(page: Page) -> list[dict[str, object]]:
    page.wait_for_function(
        """() => {
          const imgs = [];
          for (const host of document.querySelectorAll('[data-testid=stBidiComponentIsolated]'))
            imgs.push(...(host.shadowRoot ? host.shadowRoot.querySelectorAll('.tile img') : []));
          return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0);
        }"""
    )
    shapes: list[dict[str, object]] = page.locator(".tile").evaluate_all(ASPECT)
    return shapes


def dialog(page: Page):  # type: ignore[no-untyped-def]
    return page.get_by_role("dialog")


def expect_image(page: Page, image_id: int, prompt: str) -> None:
    expect(page).to_have_url(re.compile(rf"/gallery\?image={image_id}$"))
    expect(dialog(page).get_by_text(prompt, exact=True)).to_be_visible()
    settle(page)


def test_tiles_keep_their_aspect_ratio_and_every_picture_has_alt_text(
    page: Page, atelier: RunningServer, images: list[int]
) -> None:
    open_gallery(page, atelier)
    shapes = tiles(page)
    assert [s["id"] for s in shapes] == [str(i) for i in reversed(images)]
    for shape in shapes:
        assert abs(float(shape["shown"]) / float(shape["natural"]) - 1) < 0.02, shape  # type: ignore[arg-type]
    alts = page.locator("img").evaluate_all("imgs => imgs.map(i => i.getAttribute('alt') || '')")
    assert alts and all(alt.strip() for alt in alts), alts
    assert "a wide teal sea" in alts and not any(alt.startswith("Image #") for alt in alts)
    expect(page.get_by_role("button", name="Open: tall blue pines", exact=True)).to_be_visible()


def test_a_click_opens_the_lightbox_keys_move_it_escape_closes_it_and_back_leaves_the_gallery(
    page: Page, atelier: RunningServer, images: list[int]
) -> None:
    landscape, square, portrait, panorama = images
    open_gallery(page, atelier)
    page.get_by_role("button", name="Open: a red square", exact=True).click()
    expect_image(page, square, "a red square")
    page.keyboard.press("ArrowRight")  # older
    expect_image(page, landscape, "a grey landscape")
    page.keyboard.press("ArrowLeft")
    expect_image(page, square, "a red square")
    page.keyboard.press("ArrowLeft")
    expect_image(page, portrait, "tall blue pines")
    dialog(page).get_by_role("button", name="Previous").click()
    expect_image(page, panorama, "a wide teal sea")
    page.keyboard.press("Escape")
    expect(dialog(page)).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/gallery$"))
    settle(page)

    # The view was one history entry, its moves replaced it and Esc went back to the gallery's (issue 22): one
    # Back leaves the gallery for the page before it, and Forward shows the gallery with no image open.
    page.go_back()
    expect(page).not_to_have_url(re.compile(r"/gallery"))
    page.go_forward()
    expect(page).to_have_url(re.compile(r"/gallery$"))
    expect(page.locator(".tile")).to_have_count(len(MADE))
    expect(dialog(page)).to_have_count(0)


def test_a_link_opens_that_image_and_the_gallery_link_in_the_menu_shows_the_grid(
    page: Page, atelier: RunningServer, images: list[int]
) -> None:
    open_link(page, atelier, f"/gallery?image={images[0]}")
    expect_image(page, images[0], "a grey landscape")
    dialog(page).get_by_role("button", name="Close").click()
    expect(dialog(page)).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/gallery$"))
    settle(page)
    page.go_back()  # the link's image again
    expect_image(page, images[0], "a grey landscape")
    page.keyboard.press("Escape")
    expect(dialog(page)).to_have_count(0)
    # The browser hides the dialog at once; the server's answer clears ?image= a moment later. A menu
    # click before that would send the old address (as a person never could: the address bar shows it).
    expect(page).to_have_url(re.compile(r"/gallery$"))
    settle(page)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Gallery").click()
    expect(page).to_have_url(re.compile(r"/gallery$"))
    expect(page.locator(".tile")).to_have_count(len(MADE))
    expect(dialog(page)).to_have_count(0)


def test_quick_actions_show_on_hover_and_delete_asks_first(
    page: Page, atelier: RunningServer, images: list[int]
) -> None:
    open_gallery(page, atelier)
    tile = page.locator(f'.tile[data-id="{images[1]}"]')
    delete = tile.get_by_role("button", name="Delete: a red square")
    expect(tile.locator(".actions")).to_have_css("opacity", "0")
    tile.hover()
    expect(tile.locator(".actions")).to_have_css("opacity", "1")
    delete.click()
    expect_image(page, images[1], "a red square")
    expect(dialog(page).get_by_text("Delete this image for good?")).to_be_visible()
    dialog(page).get_by_role("button", name="Keep it").click()
    expect(dialog(page).get_by_role("button", name="Delete…")).to_be_visible()
    download = page.locator(f'.tile[data-id="{images[1]}"] a[download]')
    assert "/original?" in (download.get_attribute("href") or "")
    dialog(page).get_by_role("button", name="Close").click()
    expect(dialog(page)).to_have_count(0)
    settle(page)
    tile.hover()
    tile.get_by_role("button", name="Use settings again: a red square").click()
    expect(page.get_by_role("heading", name="Generate", exact=True)).to_be_visible()


def test_a_phone_gets_two_or_more_tiles_a_row_no_sideways_scroll_and_a_menu_for_the_actions(
    browser: Browser, atelier: RunningServer, images: list[int]
) -> None:
    context = browser.new_context(base_url=atelier.url, viewport={"width": 390, "height": 844}, has_touch=True)
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        open_gallery(page, atelier, by_link=True)
        shapes = tiles(page)
        first_row = [s for s in shapes if s["top"] == shapes[0]["top"]]
        assert len(first_row) >= 2, shapes
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
        page.get_by_role("button", name="More actions: tall blue pines").click()
        sheet = page.get_by_role("group", name="Actions: tall blue pines")
        expect(sheet.get_by_role("button", name="Open full size: tall blue pines")).to_be_focused()
        expect(sheet.get_by_role("button", name="Edit: tall blue pines")).to_be_visible()
        sheet.get_by_role("button", name="Cancel").click()
        expect(sheet).to_have_count(0)
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    finally:
        context.close()


def test_the_grid_passes_axe_in_light_and_dark(browser: Browser, atelier: RunningServer, images: list[int]) -> None:
    """One load of the grid, checked in each theme: the app follows the system's setting at once."""
    context = browser.new_context(base_url=atelier.url, viewport={"width": 1366, "height": 900}, color_scheme="light")
    try:
        page = context.new_page()
        open_gallery(page, atelier)
        page.locator(f'.tile[data-id="{images[2]}"] .open').focus()  # its quick actions show
        for scheme, background in (("light", "rgb(251, 250, 247)"), ("dark", "rgb(17, 19, 23)")):
            page.emulate_media(color_scheme=scheme)
            expect(page.get_by_test_id("stApp")).to_have_css("background-color", background)
            settle(page)
            results = Axe().run(page, options={"resultTypes": ["violations"]})
            ours = [
                (v["id"], node["target"])
                for v in results.response["violations"]
                for node in v["nodes"]
                if any(".tile" in str(t) or ".grid" in str(t) or ".act" in str(t) for t in node["target"])
            ]
            assert ours == [], scheme
    finally:
        context.close()
