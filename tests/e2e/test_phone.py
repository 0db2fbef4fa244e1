"""A phone that shows everything (issue 22), in Chromium at 390×844 (touch) and 1366×900, light and dark:
the Credits statement and the Billing orders as cards whose numbers are on screen, the gallery's first picture
near the top, swipes in the image view, and one history entry per image view.

The images, the purchase and the grant are made through the services over the server's own database."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from core.domain import Role
from tests.e2e.seed import make_images, seeded_container, sign_in_by_cookie
from tests.e2e.server import RunningServer, running_server
from tests.e2e.still import settle
from tests.e2e.test_studio import SCHEMES, SIZES, check_accessibility, check_no_sideways_scroll
from tests.factories import create_form

pytestmark = pytest.mark.e2e

EMAIL = "phone@example.com"
ADMIN = "admin@example.com"
PROMPTS = ["a grey harbour", "a red kite", "tall blue pines", "a wide teal sea", "an orange moon"]
SHOTS = Path(__file__).resolve().parents[2] / "test-results" / "phone"  # ignored by git
PHONE = {"viewport": SIZES["phone"], "has_touch": True, "is_mobile": True}
DESKTOP = {"viewport": SIZES["desktop"]}


@pytest.fixture(scope="module")
def atelier(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """This module's server, with one user who has images, a demo purchase and an admin's grant."""
    with running_server(tmp_path_factory.mktemp("phone"), extra_env={"ADMIN_EMAILS": ADMIN}) as server:
        c = seeded_container(server, admin_emails=ADMIN)
        user = c.accounts.sign_in_local(EMAIL).user
        make_images(c, user, [create_form(p) for p in PROMPTS])
        c.billing.buy(user, "pack-creator", "demo", server.url)
        admin = c.accounts.sign_in_local(ADMIN).user
        assert admin.role == Role.ADMIN
        c.admin.adjust_credits(admin, user.id, -40, "A correction after a double grant", "phone-e2e-adjust")
        c.db.engine.dispose()
        yield server


def open_page(browser: Browser, atelier: RunningServer, size: str, scheme: str, email: str = EMAIL) -> Page:
    options = PHONE if size == "phone" else DESKTOP
    context = browser.new_context(base_url=atelier.url, color_scheme=scheme, **options)  # type: ignore[arg-type]
    context.set_default_timeout(15_000)
    sign_in_by_cookie(context, atelier, email, admin_emails=ADMIN)
    return context.new_page()


@pytest.fixture
def phone(browser: Browser, atelier: RunningServer) -> Iterator[Page]:
    page = open_page(browser, atelier, "phone", "light")
    yield page
    page.context.close()


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def on_screen(locator: Locator) -> None:
    """Seen without scrolling sideways: inside the viewport's width."""
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    width = locator.page.viewport_size["width"]  # type: ignore[index]
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (box, width)


def cards(page: Page, label: str) -> Locator:
    return page.get_by_role("list", name=label)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_on_a_phone_the_credits_and_the_orders_show_their_numbers_as_cards(
    browser: Browser, atelier: RunningServer, scheme: str
) -> None:
    page = open_page(browser, atelier, "phone", scheme)
    page.goto("/credits")
    statement = cards(page, "Credit statement, newest first")
    first = statement.get_by_role("listitem").first
    on_screen(first.get_by_text("−40 credits", exact=True))  # the change first, as balances are written
    on_screen(first.get_by_text(re.compile(r"^Balance after 2,\d{3}$")))
    expect(page.get_by_test_id("stDataFrame")).to_be_hidden()  # the table is for wide screens
    check_no_sideways_scroll(page)
    settle(page)
    shot(page, f"credits-phone-{scheme}")
    check_accessibility(page, f"Credits on a phone ({scheme})")

    page.goto("/billing")
    order = cards(page, "Your orders, newest first").get_by_role("listitem").first
    on_screen(order.get_by_text("Paid", exact=True))
    on_screen(order.get_by_text(re.compile(r"^Credits \+2,\d{3}")))
    on_screen(order.get_by_text(re.compile(r"^\$")))
    receipt = order.get_by_role("link", name="View receipt")
    on_screen(receipt)
    check_no_sideways_scroll(page)
    settle(page)
    order.scroll_into_view_if_needed()
    shot(page, f"billing-phone-{scheme}")
    check_accessibility(page, f"Billing on a phone ({scheme})")
    receipt.click()
    expect(page.get_by_role("heading", name=re.compile(r"^Receipt "))).to_be_visible()

    page.goto("/gallery?view=table")  # the gallery's table view: a card per image, its Open a link
    image = cards(page, "Your images on this page, one row each").get_by_role("listitem").first
    on_screen(image.get_by_role("img", name="an orange moon"))
    on_screen(image.get_by_role("link", name="Open"))
    check_no_sideways_scroll(page)
    settle(page)
    shot(page, f"gallery-table-phone-{scheme}")
    check_accessibility(page, f"the gallery's table view on a phone ({scheme})")
    page.context.close()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_on_a_phone_admin_users_are_cards(browser: Browser, atelier: RunningServer, scheme: str) -> None:
    page = open_page(browser, atelier, "phone", scheme, email=ADMIN)
    page.goto("/admin_users")
    user = cards(page, "Users on this page").get_by_role("listitem").filter(has_text=EMAIL)
    on_screen(user.get_by_text(EMAIL, exact=True))
    on_screen(user.get_by_text("2,475 credits", exact=True))
    check_no_sideways_scroll(page)
    settle(page)
    shot(page, f"admin-users-phone-{scheme}")
    check_accessibility(page, f"Admin users on a phone ({scheme})")
    page.context.close()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_on_a_wide_screen_the_statement_is_a_table_with_nothing_cut_off(
    browser: Browser, atelier: RunningServer, scheme: str
) -> None:
    page = open_page(browser, atelier, "desktop", scheme)
    page.goto("/credits")
    table = page.get_by_role("table", name="Credit statement, newest first")
    expect(cards(page, "Credit statement, newest first")).to_be_hidden()
    first = table.get_by_role("row").nth(1)
    on_screen(first.get_by_role("cell", name="−40", exact=True))
    on_screen(first.get_by_role("cell", name="2,475", exact=True))
    job = table.get_by_role("row").filter(has_text="Generation: charged 1, returned 0").first
    on_screen(job.get_by_text("Generation: charged 1, returned 0"))  # whole, not "returned ("
    on_screen(job.get_by_role("link", name="Open in gallery"))
    check_no_sideways_scroll(page)
    settle(page)
    shot(page, f"credits-desktop-{scheme}")
    check_accessibility(page, f"Credits on a wide screen ({scheme})")
    page.context.close()


def gallery(page: Page) -> None:
    page.goto("/gallery")
    expect(page.get_by_role("heading", name="Gallery", exact=True)).to_be_visible()
    expect(page.locator(".tile .open img")).to_have_count(len(PROMPTS))


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("size", SIZES)
def test_the_gallery_toolbar_is_one_bar_and_the_first_picture_comes_early(
    browser: Browser, atelier: RunningServer, size: str, scheme: str
) -> None:
    page = open_page(browser, atelier, size, scheme)
    gallery(page)
    search = page.get_by_role("searchbox", name="Search your prompts")
    sheet = page.get_by_role("button", name="Filters and more")
    select = page.get_by_role("switch", name="Select")
    for control in (search, sheet, select):
        on_screen(control)
    tops = {round(c.bounding_box()["y"] + c.bounding_box()["height"] / 2) for c in (search, sheet, select)}  # type: ignore[index]
    assert max(tops) - min(tops) <= 4, "the toolbar is one row"
    first = page.locator(".tile .open img").first.bounding_box()
    assert first is not None
    if size == "phone":
        assert first["y"] <= 250, first
    settle(page)
    shot(page, f"gallery-{size}-{scheme}")
    check_accessibility(page, f"Gallery ({size}, {scheme})")
    sheet.click()  # the sheet: filters (models by name), order, page size, view, collections, download
    panel = page.get_by_test_id("stPopoverBody")
    for name in ("Order", "Images per page", "Model"):
        expect(panel.get_by_label(name)).to_be_visible()
    for name in ("Collections", "Download"):
        expect(panel.get_by_text(name, exact=True)).to_be_visible()
    settle(page)
    shot(page, f"gallery-sheet-{size}-{scheme}")
    check_accessibility(page, f"Gallery's sheet ({size}, {scheme})")
    panel.get_by_label("Model").click()
    expect(page.get_by_role("option", name="Offline pattern engine (not AI)")).to_be_visible()
    page.context.close()


IMAGE_PARAM = re.compile(r"[?&]image=(\d+)")


def image_in_url(page: Page) -> int | None:
    found = IMAGE_PARAM.search(page.url)
    return int(found.group(1)) if found else None


def open_first_image(page: Page, *, tap: bool = False) -> Locator:
    tile = page.locator(".tile .open").first
    tile.tap() if tap else tile.click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_test_id("stImage")).to_be_visible()
    expect(page).to_have_url(IMAGE_PARAM)
    return dialog


def step_to_next(page: Page, move: object) -> None:
    """Do `move` (a key press, a click, a swipe) and wait for the next image's URL and picture."""
    before = image_in_url(page)
    move() if callable(move) else None
    expect(page).not_to_have_url(re.compile(rf"[?&]image={before}(&|$)"))
    settle(page)


def swipe(page: Page, target: Locator, dx: float) -> None:
    """A finger moving `dx` pixels across `target`, through Chromium's touch input."""
    box = target.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for i in range(1, 6):
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x + dx * i / 5, "y": y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def test_after_stepping_through_images_and_closing_one_back_leaves_the_gallery(
    browser: Browser, atelier: RunningServer
) -> None:
    page = open_page(browser, atelier, "desktop", "light")
    page.goto("/credits")
    expect(page.get_by_role("heading", name="Credits", exact=True)).to_be_visible()
    gallery(page)
    dialog = open_first_image(page)
    expect(dialog.get_by_text("← and → move between images; Esc closes.")).to_be_visible()
    expect(dialog.get_by_text("Swipe the picture left or right", exact=False)).to_be_hidden()
    seen = {image_in_url(page)}
    for move in (lambda: page.keyboard.press("ArrowRight"), lambda: page.keyboard.press("ArrowRight")):
        step_to_next(page, move)
        seen.add(image_in_url(page))
    step_to_next(page, lambda: dialog.get_by_role("button", name="Next").click())
    seen.add(image_in_url(page))
    assert len(seen) == 4, seen  # four images seen
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page).not_to_have_url(IMAGE_PARAM)
    settle(page)
    page.go_back()  # one Back: out of the gallery, to the page before it
    expect(page).to_have_url(re.compile(r"/credits$"))
    expect(page.get_by_role("heading", name="Credits", exact=True)).to_be_visible()
    page.go_forward()  # and Forward: the gallery, with no image open
    expect(page.get_by_role("heading", name="Gallery", exact=True)).to_be_visible()
    expect(page).not_to_have_url(IMAGE_PARAM)
    page.context.close()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_on_a_phone_a_swipe_moves_between_images_and_the_close_button_goes_back(
    browser: Browser, atelier: RunningServer, scheme: str
) -> None:
    page = open_page(browser, atelier, "phone", scheme)
    page.goto("/credits")
    gallery(page)
    dialog = open_first_image(page, tap=True)
    expect(dialog.get_by_text("Swipe the picture left or right to move between images.")).to_be_visible()
    expect(dialog.get_by_text("← and → move between images; Esc closes.")).to_be_hidden()
    first = image_in_url(page)
    previous = dialog.get_by_role("button", name="Previous")
    expect(previous).to_be_disabled()  # the newest image: none before it
    settle(page)
    shot(page, f"image-view-phone-{scheme}")
    check_accessibility(page, f"the image view on a phone ({scheme})")
    picture = dialog.get_by_test_id("stImage").locator("img")
    step_to_next(page, lambda: swipe(page, picture, -160))  # a left swipe: the next, older image
    expect(previous).to_be_enabled()
    second = image_in_url(page)
    step_to_next(page, lambda: swipe(page, picture, -160))
    step_to_next(page, lambda: swipe(page, picture, 160))  # a right swipe: back
    assert image_in_url(page) == second and second != first
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    expect(page).not_to_have_url(IMAGE_PARAM)
    page.go_back()
    expect(page).to_have_url(re.compile(r"/credits$"))
    page.context.close()
