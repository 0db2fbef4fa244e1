"""The Generate page on the fal engine in Chromium: the real fal-client sends the job to the local fake fal queue
(tests/fal_server.py), the image comes back into the results feed, and the exact price is charged.

On a desktop: sign in with 500 starter credits, generate with FLUX.1 Kontext [pro] for 40 credits, see the image
decode and the balance drop to 460, and check what the fal server received. On a phone: FLUX.2 [pro] offers its
own settings (an image size and a safety tolerance, no aspect ratio or image count) and costs 30 credits.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.e2e.server import RunningServer, running_server
from tests.e2e.test_studio import SIZES, balance_link, settle, sign_in
from tests.fal_server import FalServer, Scenario
from tests.fal_support import FAL_KEY

pytestmark = pytest.mark.e2e

JOB_MS = 20_000
ENDPOINT = "fal-ai/flux-pro/kontext/text-to-image"
# The natural width of the decoded <img> with this alt text, inside the grid component's shadow root; 0 until then.
NATURAL_WIDTH = """alt => {
  const walk = (root) => {
    for (const img of root.querySelectorAll('img'))
      if (img.getAttribute('alt') === alt && img.complete && img.naturalWidth > 0) return img.naturalWidth;
    for (const el of root.querySelectorAll('*')) {
      const found = el.shadowRoot ? walk(el.shadowRoot) : 0;
      if (found) return found;
    }
    return 0;
  };
  return walk(document);
}"""


@pytest.fixture(scope="module")
def fal() -> Iterator[FalServer]:
    """The fake fal queue: each job is queued for two steps, runs for two, then completes (0.4 s a step)."""
    with FalServer() as server:
        server.set_default(
            Scenario(queue_positions=[1, 0], progress_logs=[["Loading model"], ["Step 28/28"]], step_seconds=0.4)
        )
        yield server


@pytest.fixture(scope="module")
def atelier(tmp_path_factory: pytest.TempPathFactory, fal: FalServer) -> Iterator[RunningServer]:
    """This module's own server, on the fal engine pointed at the fake queue; new users start with 500 credits."""
    env = {
        "IMAGE_ENGINE": "fal",
        "FAL_KEY": FAL_KEY,
        "FAL_QUEUE_URL": fal.queue_url,
        "FAL_API_URL": fal.url + "/api",  # never the real fal.ai, even if payload deletion were switched on
    }
    with running_server(tmp_path_factory.mktemp("fal-generate"), starter_credits=500, extra_env=env) as server:
        yield server


def new_page(browser: Browser, server: RunningServer, size: str) -> Iterator[Page]:
    context: BrowserContext = browser.new_context(base_url=server.url, viewport=SIZES[size])
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def desktop(browser: Browser, atelier: RunningServer) -> Iterator[Page]:
    yield from new_page(browser, atelier, "desktop")


@pytest.fixture
def phone(browser: Browser, atelier: RunningServer) -> Iterator[Page]:
    yield from new_page(browser, atelier, "phone")


@contextlib.contextmanager
def screenshot_on_failure(page: Page, server: RunningServer, name: str) -> Iterator[None]:
    """On a failure, keep a full-page screenshot in the server's data dir and name it in the error."""
    try:
        yield
    except BaseException as exc:
        shot = server.data_dir / f"{name}-failure.png"
        with contextlib.suppress(Exception):
            page.screenshot(path=str(shot), full_page=True)
            exc.add_note(f"Screenshot: {shot}  (page URL: {page.url})")
        raise


def model_picker(page: Page) -> Locator:
    """The prompt bar's model selectbox: a combobox whose value is the chosen model (its label is collapsed)."""
    return page.get_by_role("combobox", name="Model", exact=True)


def choose_model(page: Page, label: str) -> None:
    model_picker(page).click()
    page.get_by_role("option", name=label, exact=True).click()
    expect(model_picker(page)).to_have_value(label)
    settle(page)


def test_a_kontext_pro_image_comes_back_from_fal_and_is_charged_40_credits(
    desktop: Page, atelier: RunningServer, fal: FalServer
) -> None:
    page = desktop
    prompt = "a lighthouse at dusk, teal and orange sky, film grain"
    with screenshot_on_failure(page, atelier, "fal-generate-desktop"):
        sign_in(page, "fal-desktop@example.com")
        expect(balance_link(page)).to_have_accessible_name("500 credits")
        settle(page)

        expect(model_picker(page)).to_have_value(
            "FLUX.1 Kontext [pro] · 40 credits · fast"
        )  # the default, with its price
        choose_model(page, "FLUX.1 Kontext [pro] · 40 credits · fast")
        page.get_by_role("textbox", name="Prompt").fill(prompt)
        generate = page.get_by_role("button", name="Generate · 40 credits")
        expect(generate).to_be_enabled()
        generate.click()

        # The image replaces its placeholder in the feed, decodes, and the price is charged.
        expect(page.get_by_role("button", name=f"Open: {prompt}", exact=True)).to_be_visible(timeout=JOB_MS)
        width = page.wait_for_function(NATURAL_WIDTH, arg=prompt, timeout=JOB_MS).json_value()
        assert isinstance(width, int) and width > 0, width
        expect(page.get_by_text("Charged 40 credits.", exact=True)).to_be_visible()
        expect(balance_link(page)).to_have_accessible_name("460 credits")

    submits = fal.submits(ENDPOINT)
    assert len(submits) == 1, [r.path for r in fal.submits()]
    body = submits[0].json
    assert isinstance(body, dict) and body.get("prompt") == prompt, body


def test_flux_2_pro_offers_its_own_settings_and_price_on_a_phone(phone: Page, atelier: RunningServer) -> None:
    page = phone
    with screenshot_on_failure(page, atelier, "fal-generate-phone"):
        sign_in(page, "fal-phone@example.com")
        settle(page)
        choose_model(page, "FLUX.2 [pro] · from 30 credits/MP · standard")
        # The page the new model drew (its price on the button), once still: the run the choice started may begin
        # only after the picker shows it, and until it ends the old model's settings are on the page beside the new.
        expect(page.get_by_role("button", name="Generate · 30 credits")).to_be_visible()
        settle(page)

        settings = page.get_by_test_id("stPopover").get_by_role("button")
        expect(settings).to_have_count(1)
        expect(settings).to_contain_text("1024×768")  # the summary starts with the default image size
        expect(settings.get_by_test_id("stIconMaterial").first).to_have_text("tune")
        settings.click()
        panel = page.get_by_test_id("stPopoverBody")
        expect(panel).to_be_visible()
        expect(panel.get_by_text("Image size", exact=True)).to_be_visible()
        expect(panel.get_by_text("Safety tolerance", exact=True)).to_be_visible()
        expect(panel.get_by_text("Aspect ratio", exact=True)).to_have_count(0)
        expect(panel.get_by_text("Number of images", exact=True)).to_have_count(0)
        page.keyboard.press("Escape")
        expect(panel).to_be_hidden()

        expect(page.get_by_role("button", name="Generate · 30 credits")).to_be_enabled()
