"""The prompt lab (issue 23) as the team uses it, in Chromium at 1366×900 light and 390×844 dark: a template with one
variable, a 2×2 grid run on the offline engine, a cell rated, promoted to a preset and published by an admin, then
the preset used on Generate by a plain user, whose job's prompt is the preset's words around the typed subject. axe
checks the grid, the cell's dialog and the style chip on the way. A plain user who opens /lab sees a refusal only.

The leads are admins through the shared server's ADMIN_EMAILS (tests/e2e/conftest.py), one per case."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from core.services.presets import PresetService, PresetStatus
from tests.e2e.seed import seeded_container
from tests.e2e.server import RunningServer
from tests.e2e.still import settle
from tests.e2e.test_studio import SIZES, check_accessibility, check_no_sideways_scroll, sign_in

pytestmark = pytest.mark.e2e

CASES = [("desktop", "light"), ("phone", "dark")]
# A phone as Streamlit knows one: by its user agent (it folds the sidebar away after a page is picked), with touch.
PHONE_UA = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"
DEVICES = {
    "desktop": {"viewport": SIZES["desktop"]},
    "phone": {"viewport": SIZES["phone"], "has_touch": True, "is_mobile": True, "user_agent": PHONE_UA},
}
GRID_MS = 60_000  # four cells on the offline engine (1 s each) behind whatever else the shared worker holds
JOB_MS = 30_000
ANIMALS = ("fox", "owl")
SEEDS = "1, 2"
PRESET_PROMPT = "a quiet study of {subject}, at dusk in watercolour"
SUBJECT = "a lighthouse"
STYLED = "a quiet study of a lighthouse, at dusk in watercolour"


def lead_email(size: str, scheme: str) -> str:
    """The admin of this case, as listed in the shared server's ADMIN_EMAILS."""
    return f"lab-lead-{size}-{scheme}@example.com"


@pytest.fixture
def presets_retired(atelier: RunningServer) -> Iterator[list[str]]:
    """Names of presets the test publishes; retired afterwards (even after a failure), so the other tests on the
    shared server meet Generate without this test's style chips."""
    names: list[str] = []
    yield names
    admin_email = lead_email(*CASES[0])
    c = seeded_container(atelier, admin_emails=admin_email)
    try:
        admin = c.accounts.sign_in_local(admin_email).user
        service = c.of(PresetService)
        for preset in service.all(admin):
            if preset.name in names and preset.status == PresetStatus.PUBLISHED:
                service.set_status(admin, preset.id, PresetStatus.RETIRED)
    finally:
        c.db.engine.dispose()


@pytest.fixture
def new_page(browser: Browser, atelier: RunningServer) -> Iterator[Callable[[str, str], Page]]:
    """A page in a new browser context (a new visitor) at a size and colour scheme; every context closed afterwards."""
    contexts: list[BrowserContext] = []

    def make(size: str, scheme: str) -> Page:
        context = browser.new_context(base_url=atelier.url, color_scheme=scheme, **DEVICES[size])  # type: ignore[arg-type]
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def on_phone(page: Page) -> bool:
    return page.viewport_size is not None and page.viewport_size["width"] < 768


def press(target: Locator) -> None:
    """What a person does to a control: a tap on a phone (a select box opens to a tap there), a click elsewhere."""
    if on_phone(target.page):
        target.tap()
    else:
        target.click()


def open_from_sidebar(page: Page, title: str) -> None:
    """As a person goes there: through the sidebar's pages, opened first on a phone (where it starts folded away)."""
    nav = page.get_by_test_id("stSidebarNav")
    if on_phone(page):
        press(page.get_by_test_id("stExpandSidebarButton"))  # "»", in the header
        expect(nav).to_be_in_viewport()
    press(nav.get_by_role("link", name=title, exact=True))
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()


def choose(page: Page, label: str, option: str) -> None:
    """Pick `option` in the visible select box labelled `label` (the other tabs' boxes are hidden)."""
    press(page.get_by_test_id("stSelectbox").filter(visible=True).filter(has=page.get_by_text(label, exact=True)))
    press(page.get_by_role("option", name=option, exact=True))
    settle(page)


def tiles(page: Page, animal: str) -> Locator:
    """The grid's tiles of `animal`: buttons named by their cell's prompt (and its rating once rated)."""
    return page.get_by_role("button", name=re.compile(rf"^a {animal} in the reeds"))


def save_template(page: Page, name: str) -> None:
    press(page.get_by_role("tab", name="Templates"))
    page.get_by_role("textbox", name="Name").fill(name)
    page.get_by_role("textbox", name="Prompt").fill("a {animal} in the reeds")
    press(page.get_by_role("button", name="Save template"))
    expect(page.get_by_text("Variables: {animal}", exact=True)).to_be_visible()


def run_grid(page: Page, template: str) -> None:
    """Columns: the variable's two values; rows: two seeds. The button says the exact cost before it runs. Each step
    waits for what the server's answer shows, so the next select box is not opened while a rerun redraws it."""
    press(page.get_by_role("tab", name="New experiment"))
    choose(page, "Template", f"{template} · v1")
    expect(page.get_by_role("textbox", name="Experiment name")).to_have_value(f"{template} v1")
    choose(page, "Columns", "Variable {animal}")
    values = page.get_by_role("textbox", name="Values of {animal}")
    values.fill("\n".join(ANIMALS))
    values.blur()
    expect(page.get_by_role("button", name="Run 2 cells · 2 credits")).to_be_visible()
    settle(page)
    choose(page, "Rows", "Seed")
    seeds = page.get_by_role("textbox", name="Seed values")
    seeds.fill(SEEDS)
    seeds.press("Enter")
    run = page.get_by_role("button", name="Run 4 cells · 4 credits")
    expect(run).to_be_enabled()
    settle(page)
    press(run)
    expect(page.get_by_text("4 of 4 cells finished")).to_be_visible(timeout=GRID_MS)
    for animal in ANIMALS:
        expect(tiles(page, animal)).to_have_count(2)


def open_cell(page: Page, animal: str) -> Locator:
    press(tiles(page, animal).first)
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_text(f"a {animal} in the reeds", exact=True)).to_be_visible()
    settle(page)
    return dialog


@pytest.mark.parametrize(("size", "scheme"), CASES)
def test_a_template_becomes_a_grid_a_rated_cell_a_published_preset_and_a_style_on_generate(
    new_page: Callable[[str, str], Page], presets_retired: list[str], size: str, scheme: str
) -> None:
    template, preset = f"Reeds {size}", f"Reed dusk {size}"
    lead = new_page(size, scheme)
    sign_in(lead, lead_email(size, scheme))
    open_from_sidebar(lead, "Lab")

    # 1. A template with one variable.
    save_template(lead, template)

    # 2. A 2×2 grid: {animal} across, the seed down.
    run_grid(lead, template)
    expect(lead.get_by_text(f"{template} v1: 2 rows × 2 columns")).to_be_visible()
    settle(lead)
    check_no_sideways_scroll(lead)
    check_accessibility(lead, f"the lab's grid, {size}, {scheme}")

    # 3. Rate a cell: its tile then says the stars.
    dialog = open_cell(lead, "fox")
    check_accessibility(lead, f"the lab's cell dialog, {size}, {scheme}")
    press(dialog.get_by_role("radio", name="4 out of 5 stars"))
    dialog.get_by_role("textbox", name="Comment").fill("The reeds read best here")
    press(dialog.get_by_role("button", name="Save rating"))
    expect(dialog).to_have_count(0)
    expect(lead.get_by_role("button", name=re.compile(r"^a fox in the reeds, 4 ★$"))).to_have_count(1)

    # 4. Promote the rated cell to a preset, then publish it as an admin.
    dialog = open_cell(lead, "fox")
    expect(dialog.get_by_role("radio", name="4 out of 5 stars")).to_be_checked()
    press(dialog.get_by_text("Promote to a preset"))
    dialog.get_by_role("textbox", name="Preset name").fill(preset)
    dialog.get_by_role("textbox", name="Preset prompt").fill(PRESET_PROMPT)
    press(dialog.get_by_role("button", name="Promote"))
    expect(dialog.get_by_text(f"“{preset}” is a draft preset; an admin can publish it.")).to_be_visible()
    presets_retired.append(preset)
    press(dialog.get_by_role("button", name="Close"))
    expect(dialog).to_have_count(0)
    open_from_sidebar(lead, "Presets")
    entry = lead.locator("[class*='st-key-presets-']").filter(has_text=f"{preset} · ")
    expect(entry.get_by_text(f"{preset} · Draft")).to_be_visible()
    press(entry.get_by_role("button", name="Publish"))
    expect(entry.get_by_text(f"{preset} · Published")).to_be_visible()

    # 5. A plain user picks the style on Generate; the job's prompt is the preset's words around the subject.
    user = new_page(size, scheme)
    sign_in(user, f"lab-user-{size}-{scheme}@example.com")
    press(user.get_by_role("radiogroup", name="Style").get_by_role("radio", name=preset))
    expect(user.get_by_text(f"{preset}: a quiet study of your prompt, at dusk in watercolour")).to_be_visible()
    user.get_by_role("textbox", name="Prompt").fill(SUBJECT)
    settle(user)
    check_no_sideways_scroll(user)
    check_accessibility(user, f"Generate with a style chip, {size}, {scheme}")
    press(user.get_by_role("button", name="Generate · 1 credit"))
    made = user.locator("[class*='st-key-feed-job-']").filter(has_not=user.locator('[data-stale="true"]'))
    expect(made.filter(has_text=STYLED)).to_have_count(1)
    expect(made.filter(has_text=STYLED).get_by_text("Charged 1 credit.", exact=True)).to_be_visible(timeout=JOB_MS)


def test_a_plain_user_who_opens_the_lab_directly_is_refused(new_page: Callable[[str, str], Page]) -> None:
    page = new_page("desktop", "light")
    sign_in(page, "lab-plain-user@example.com")
    expect(page.get_by_test_id("stSidebarNav").get_by_role("link", name="Lab")).to_have_count(0)
    page.goto("/lab")
    expect(page.get_by_text("This page is for the team.", exact=True)).to_be_visible()
    settle(page)
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", name="Lab", exact=True)).to_have_count(0)
    for tab in ("New experiment", "Experiments", "Templates"):
        expect(main.get_by_role("tab", name=tab)).to_have_count(0)
    expect(main.get_by_text("Prototype prompts side by side", exact=False)).to_have_count(0)
