"""The image view's Vary, Vary subtly and Upscale through AppTest: prices on the buttons, the new job on Generate,
and buttons that say why they cannot be pressed."""

from __future__ import annotations

from core.domain import GenerationKind
from core.domain.variations import SUBTLE_VARIATION_PROMPT
from core.services.variations import VariationService
from pages.components.generate_forms import PROMPT_KEY
from tests.app.test_gallery import ALICE, click, gallery, grid, make
from tests.factories import settle
from tests.markdown import unescape


def labels(at) -> list[str]:  # type: ignore[no-untyped-def]
    return [b.label for b in at.button]


def test_the_image_view_offers_vary_subtle_and_upscale_with_their_prices(open_app, app_settings) -> None:
    c = app_settings
    alice = c.accounts.sign_in_local(ALICE).user
    image = make(c, alice, "teal waves", num_images=2).images[0]
    at = gallery(open_app, image=str(image.id))
    assert {"Vary · 2 credits", "Vary subtly · 1 credit", "Upscale 2× · 1 credit"} <= set(labels(at))
    assert any(e.label.startswith("Vary region") for e in at.expander)


def test_vary_in_the_image_view_starts_a_job_that_shows_on_generate(open_app, app_settings) -> None:
    c = app_settings
    alice = c.accounts.sign_in_local(ALICE).user
    source = make(c, alice, "orange circles", seed=5)
    at = click(gallery(open_app, image=str(source.images[0].id)), "Vary ·")
    assert at.title[0].value == "Generate"
    newest = c.generation.recent(alice)[0]
    assert newest.id != source.id and newest.prompt == "orange circles" and newest.seed != 5
    assert grid(at, f"feed.grid.{newest.id}")  # its tiles (placeholders or images) in the feed


def test_upscale_and_vary_subtly_in_the_image_view_start_their_jobs(open_app, app_settings) -> None:
    c = app_settings
    alice = c.accounts.sign_in_local(ALICE).user
    image = make(c, alice, "pink squares").images[0]
    at = click(gallery(open_app, image=str(image.id)), "Upscale 2×")
    upscale = c.generation.recent(alice)[0]
    assert at.title[0].value == "Generate" and upscale.kind == GenerationKind.UPSCALE
    assert upscale.parent_image_id == image.id
    at = click(gallery(open_app, image=str(image.id)), "Vary subtly")
    subtle = c.generation.recent(alice)[0]
    assert subtle.kind == GenerationKind.EDIT and subtle.prompt == SUBTLE_VARIATION_PROMPT
    assert grid(at, f"feed.grid.{subtle.id}") or any("Before" in str(m.value) for m in at.markdown)


def test_without_credits_the_buttons_are_disabled_and_say_why(open_app, app_settings) -> None:
    c = app_settings
    alice = c.accounts.sign_in_local(ALICE).user
    for _ in range(5):
        image = make(c, alice, "grey stripes", num_images=4).images[0]  # 20 images: the starter credits are gone
    at = gallery(open_app, image=str(image.id))
    buttons = {b.label: b for b in at.button}
    assert buttons["Upscale 2× · 1 credit"].disabled and buttons["Vary subtly · 1 credit"].disabled
    assert buttons["Vary · 4 credits"].disabled  # the price stays on the button
    said = [unescape(str(cap.value)) for cap in at.caption]
    assert (
        "This needs 1 credit and you have 0 credits." in said and "This needs 4 credits and you have 0 credits." in said
    )


def test_the_generate_feeds_tiles_offer_vary(open_app, app_settings) -> None:
    c = app_settings
    alice = c.accounts.sign_in_local(ALICE).user
    job = make(c, alice, "yellow polygons", num_images=2)
    at = open_app(ALICE).switch_page("pages/generate.py").run()
    items = grid(at, f"feed.grid.{job.id}")
    assert len(items) == 2 and all("vary" in item["actions"] for item in items)


def test_an_upscaled_images_settings_go_back_to_create_without_vary(open_app, app_settings) -> None:
    c = app_settings
    alice = c.accounts.sign_in_local(ALICE).user
    image = make(c, alice, "lime dots").images[0]
    job = c.of(VariationService).upscale(alice, image.id, c.generation.new_token())
    [big] = settle(c, alice, job.id).images
    at = gallery(open_app, image=str(big.id))
    assert any(b.label == "Vary" and b.disabled for b in at.button)  # an upscale has no seed to vary
    at = click(at, "Use these settings again")
    assert at.title[0].value == "Generate" and at.session_state[PROMPT_KEY] == "lime dots"
    assert all("vary" not in item["actions"] for item in grid(at, f"feed.grid.{job.id}"))
