"""Ctrl+Enter (and Cmd+Enter) in the prompt box presses the page's main button in Chromium: Generate, Apply edit
or Combine, exactly as a click: the job's placeholder appears, the text just typed is the one sent, the price is
charged once, the bar is ready for the next prompt at once, and pressing twice at once makes no second job."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import create_engine, text

from tests.e2e.server import RunningServer, running_server
from tests.e2e.test_studio import JOB_MS, OPEN_TILE, SIZES, balance_link, settle, sign_in
from tests.factories import image_bytes

pytestmark = pytest.mark.e2e

BEING_MADE = re.compile(r"being made: .*(Queued|Running)")


@pytest.fixture(scope="module")
def atelier(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """This module's own server: jobs take 3 s, so a press while one runs can be tried."""
    with running_server(tmp_path_factory.mktemp("shortcut"), engine_delay_seconds=3.0) as server:
        yield server


@pytest.fixture
def page(browser: Browser, atelier: RunningServer) -> Iterator[Page]:
    context = browser.new_context(base_url=atelier.url, viewport=SIZES["desktop"])
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def jobs(server: RunningServer, email: str) -> list[tuple[str, str]]:
    """(kind, prompt) of each of this user's jobs, oldest first, as the database has them."""
    engine = create_engine(server.database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT g.kind, g.prompt FROM generations g JOIN users u ON u.id = g.user_id "
                    "WHERE u.email = :email ORDER BY g.created_at"
                ),
                {"email": email},
            )
            return [(str(kind), str(prompt)) for kind, prompt in rows]
    finally:
        engine.dispose()


def wait_for_the_images(page: Page, count: int) -> None:
    expect(page.get_by_role("status").filter(has_text=BEING_MADE)).to_have_count(0, timeout=JOB_MS)
    expect(page.get_by_role("button", name=OPEN_TILE)).to_have_count(count, timeout=JOB_MS)
    settle(page)


def test_ctrl_enter_generates_once_and_leaves_the_bar_ready_for_the_next_prompt(
    page: Page, atelier: RunningServer
) -> None:
    email = "keys-create@example.com"
    sign_in(page, email)
    settle(page)
    prompt = page.get_by_role("textbox", name="Prompt")
    prompt.fill("a red kite over green hills")  # typed, never applied by leaving the box
    prompt.press("Control+Enter")

    expect(page.get_by_role("status").filter(has_text=BEING_MADE).first).to_be_visible()
    generate = page.get_by_role("button", name=re.compile(r"^Generate"))
    expect(generate).to_have_count(1)  # the run that drew it has replaced the one drawn before the press
    expect(generate).to_be_enabled()  # several jobs may run at once: the next prompt can go at once
    wait_for_the_images(page, 1)
    expect(balance_link(page)).to_have_accessible_name("19 credits")
    assert jobs(atelier, email) == [("text_to_image", "a red kite over green hills")]

    # Cmd+Enter (a Mac's Ctrl+Enter) too; pressed twice at once, it still makes one job.
    prompt.fill("a blue heron at dawn")
    prompt.press("Meta+Enter")
    prompt.press("Meta+Enter")
    expect(page.get_by_role("status").filter(has_text=BEING_MADE).first).to_be_visible()
    wait_for_the_images(page, 2)
    expect(balance_link(page)).to_have_accessible_name("18 credits")
    assert jobs(atelier, email) == [
        ("text_to_image", "a red kite over green hills"),
        ("text_to_image", "a blue heron at dawn"),
    ]


def test_ctrl_enter_applies_an_edit_only_once_the_button_can(page: Page, atelier: RunningServer) -> None:
    email = "keys-edit@example.com"
    sign_in(page, email)
    settle(page)
    page.get_by_role("radio", name="Edit").or_(page.get_by_role("button", name="Edit", exact=True)).first.click()
    settle(page)
    instruction = page.get_by_role("textbox", name="Instruction")
    instruction.fill("sepia")
    apply = page.get_by_role("button", name=re.compile(r"^Apply edit"))
    expect(apply).to_be_disabled()  # no image to edit yet
    instruction.press("Control+Enter")
    settle(page)
    assert jobs(atelier, email) == []

    page.get_by_role("button", name=re.compile(r"Upload$")).click()  # the uploader sits behind "Upload"
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        files=[{"name": "kite.png", "mimeType": "image/png", "buffer": image_bytes()}]
    )
    expect(page.get_by_test_id("stImageCaption").filter(has_text="Your upload")).to_be_visible()
    page.keyboard.press("Escape")
    settle(page)
    expect(apply).to_be_enabled()
    instruction.fill("sepia and mirror")
    instruction.press("Control+Enter")
    expect(page.get_by_role("status").filter(has_text=BEING_MADE).first).to_be_visible()
    expect(page.get_by_role("status").filter(has_text=BEING_MADE)).to_have_count(0, timeout=JOB_MS)
    expect(page.get_by_text("Done", exact=True)).to_be_visible()  # shown before and after, beside its source
    settle(page)
    expect(balance_link(page)).to_have_accessible_name("19 credits")
    assert jobs(atelier, email) == [("edit", "sepia and mirror")]


def test_other_keys_and_other_boxes_submit_nothing(page: Page, atelier: RunningServer) -> None:
    email = "keys-other@example.com"
    sign_in(page, email)
    settle(page)
    prompt = page.get_by_role("textbox", name="Prompt")
    prompt.fill("a quiet harbour")
    for keys in ("Enter", "Shift+Enter", "Alt+Enter", "Control+Shift+Enter"):
        prompt.press(keys)
    settle(page)
    assert jobs(atelier, email) == []
    page.get_by_role("button", name=re.compile(r"^Generate")).click()  # the same text, by a click
    wait_for_the_images(page, 1)
    assert len(jobs(atelier, email)) == 1
