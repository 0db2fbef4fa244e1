"""Several jobs at once, and Combine's result in view, in Chromium at 1366×900 on the fal engine (the local fake fal
queue, tests/fal_server.py): three prompts submitted in a row run together, each with its own Cancel; canceling
the middle one returns its credits while the other two finish; and after pressing Combine, its job's first
placeholder is on the screen without scrolling."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import replace

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.server import RunningServer, running_server
from tests.e2e.test_studio import SIZES, balance_link, settle, sign_in
from tests.factories import image_bytes
from tests.fal_server import FalServer, Scenario
from tests.fal_support import FAL_KEY

pytestmark = pytest.mark.e2e

JOB_MS = 40_000
PROMPTS = ("a red kite over the dunes", "a blue heron at dawn", "a green lantern in fog")
BEING_MADE = re.compile(r"being made: .*(Queued|Running)")
RENDER = Scenario(queue_positions=[1, 0], progress_logs=[["Step 1"], ["Step 2"]], step_seconds=1.5)


@pytest.fixture(scope="module")
def fal() -> Iterator[FalServer]:
    """The fake fal queue: each job waits a step in line and runs two, 1.5 s a step, so three overlap."""
    with FalServer() as server:
        server.set_default(RENDER)
        yield server


@pytest.fixture(scope="module")
def atelier(tmp_path_factory: pytest.TempPathFactory, fal: FalServer) -> Iterator[RunningServer]:
    env = {"IMAGE_ENGINE": "fal", "FAL_KEY": FAL_KEY, "FAL_QUEUE_URL": fal.queue_url, "FAL_API_URL": fal.url + "/api"}
    with running_server(tmp_path_factory.mktemp("several-jobs"), starter_credits=500, extra_env=env) as server:
        yield server


@pytest.fixture
def desktop(browser: Browser, atelier: RunningServer) -> Iterator[Page]:
    context = browser.new_context(base_url=atelier.url, viewport=SIZES["desktop"])
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def job(page: Page, prompt: str):  # type: ignore[no-untyped-def]
    """The feed's entry of the job made from `prompt` (not the faded copy a rerun leaves at its old place for a
    moment, when a newer job took that place)."""
    entries = page.locator("[class*='st-key-feed-job-']").filter(has_not=page.locator('[data-stale="true"]'))
    return entries.filter(has_text=prompt)


def test_three_prompts_in_a_row_run_together_and_the_middle_one_can_be_canceled(desktop: Page, fal: FalServer) -> None:
    page = desktop
    # The jobs stay in flight until the three are seen together: on a loaded machine three submits can take longer
    # than a job's render, which once ended the first before the last was in (a clean CI run).
    in_flight = threading.Event()
    fal.set_default(replace(RENDER, hold=in_flight))
    sign_in(page, "several@example.com")
    expect(balance_link(page)).to_have_accessible_name("500 credits")
    settle(page)
    prompt = page.get_by_role("textbox", name="Prompt")
    generate = page.get_by_role("button", name="Generate · 40 credits")
    for text in PROMPTS:
        prompt.fill(text)
        expect(generate).to_be_enabled()  # ready for the next prompt at once
        generate.click()
        expect(job(page, text)).to_be_visible()
    for text in PROMPTS:  # all three in flight, each with its own placeholder and Cancel
        expect(job(page, text).get_by_role("button", name="Cancel")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text=BEING_MADE)).to_have_count(3)
    expect(balance_link(page)).to_have_accessible_name("380 credits")  # three holds
    in_flight.set()
    fal.set_default(RENDER)

    job(page, PROMPTS[1]).get_by_role("button", name="Cancel").click()
    expect(job(page, PROMPTS[1]).get_by_text("Canceled", exact=True)).to_be_visible()
    for text in (PROMPTS[0], PROMPTS[2]):
        expect(job(page, text).get_by_text("Charged 40 credits.", exact=True)).to_be_visible(timeout=JOB_MS)
    settle(page)
    expect(balance_link(page)).to_have_accessible_name("420 credits")  # the canceled job's hold came back


def test_after_pressing_combine_its_first_placeholder_is_in_view(desktop: Page) -> None:
    page = desktop
    sign_in(page, "combine-view@example.com")
    settle(page)
    page.get_by_role("radio", name="Combine").or_(page.get_by_role("button", name="Combine", exact=True)).first.click()
    settle(page)
    page.get_by_role("button", name=re.compile(r"Upload$")).click()  # the uploader sits behind "Upload"
    files = [
        {"name": f"reference-{n}.png", "mimeType": "image/png", "buffer": image_bytes(color=colour)}
        for n, colour in enumerate([(200, 40, 40), (40, 40, 200)], start=1)
    ]
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(files=files)
    for name in ("#1", "#2"):  # each upload numbered in the strip beside "Upload"
        expect(page.get_by_test_id("stImageCaption").filter(has_text=name)).to_be_visible()
    page.keyboard.press("Escape")
    settle(page)
    page.get_by_role("textbox", name="Instruction").fill("the red square from image 1 beside the blue one of image 2")
    combine = page.get_by_role("button", name=re.compile(r"^Combine · "))
    expect(combine).to_be_enabled()
    combine.click()
    placeholder = page.get_by_role("status").filter(has_text=BEING_MADE).first
    expect(placeholder).to_be_visible(timeout=JOB_MS)
    box = placeholder.bounding_box()
    assert box is not None and box["y"] + 40 < SIZES["desktop"]["height"], box  # seen without scrolling
