"""The Generate page on the fal engine (the real fal-client against the local fal server): the model's own
settings, its exact price on the button, the queue position and the model's log lines, and safety blocks."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from streamlit.testing.v1 import AppTest

from core.bootstrap import Container, app_container
from tests.app.frame import shown_balance
from tests.app.ticks import worked
from tests.fal_server import FalServer, Scenario
from tests.fal_support import FAL_KEY


@pytest.fixture
def fal_app(app_settings: Container, fal: FalServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Container]:
    for key, value in {
        "IMAGE_ENGINE": "fal",
        "FAL_KEY": FAL_KEY,
        "FAL_QUEUE_URL": fal.queue_url,
        "STARTER_CREDITS": "500",
    }.items():
        monkeypatch.setenv(key, value)
    app_container.cache_clear()
    app_container().accounts.sign_in_local("alice@example.com")  # joins with this engine's starter credits
    yield app_container()
    app_container().db.engine.dispose()


def labels(at: AppTest) -> list[str]:
    return [b.label for b in at.button]


def model(at: AppTest, label: str) -> AppTest:
    """Choose a model by its name, as the picker shows it with its price."""
    picker = at.selectbox(key="generate.create_model")
    [option] = [o for o in picker.options if o.startswith(f"{label} · ")]
    return picker.select(option).run()  # type: ignore[no-any-return]


def test_each_model_offers_only_its_own_settings_and_its_exact_price(fal_app, open_app: Callable[..., AppTest]) -> None:
    at = open_app()
    assert "Offline engine: not an AI model" not in [m.value for m in at.markdown]
    assert [o for o in at.selectbox(key="generate.create_model").options][:2] == [
        "FLUX.1 Kontext [pro] · 40 credits · fast",
        "FLUX.1 Kontext [max] · 80 credits · standard",
    ]
    assert "Generate · 40 credits" in labels(at)
    assert at.selectbox(key="generate.aspect_ratio").value == "1:1"
    at.radio(key="generate.count").set_value(3).run()
    assert "Generate · 120 credits" in labels(at)
    at = model(at, "FLUX.2 [pro]")
    keys = {w.key for w in [*at.selectbox, *at.radio, *at.slider, *at.toggle, *at.select_slider]}
    assert "generate.image_size" in keys and "generate.safety_tolerance" in keys
    assert not {"generate.aspect_ratio", "generate.count", "generate.guidance_scale"} & keys  # pro takes none of these
    assert "Generate · 30 credits" in labels(at)  # landscape 4:3 is under 1 MP
    at.selectbox(key="generate.image_size").select("custom").run()
    at.number_input(key="generate.image_width").set_value(1920).run()
    at.number_input(key="generate.image_height").set_value(1080).run()
    assert "Generate · 45 credits" in labels(at)  # 2 MP: $0.03 + $0.015
    at = model(at, "FLUX.2 [dev]")
    assert {"generate.steps", "generate.acceleration", "generate.count"} <= {w.key for w in [*at.slider, *at.radio]}


def test_the_model_picker_shows_each_models_price_in_every_mode(fal_app, open_app: Callable[..., AppTest]) -> None:
    at = open_app()
    assert at.selectbox(key="generate.create_model").options == [
        "FLUX.1 Kontext [pro] · 40 credits · fast",
        "FLUX.1 Kontext [max] · 80 credits · standard",
        "FLUX.2 [pro] · from 30 credits/MP · standard",
        "FLUX.2 [dev] · from 12 credits/MP · standard",
        "FLUX.2 [dev] Turbo · from 8 credits/MP · fast",
    ]
    assert at.selectbox(key="generate.create_model").value.label == "FLUX.1 Kontext [pro]"  # the default model
    assert "Fast, reliable text-to-image with strong prompt following." in [c.value for c in at.caption]  # its word
    at.segmented_control(key="generate.mode").set_value("Edit").run()
    assert (
        "FLUX.1 Kontext [dev] · edit · from 25 credits/MP · standard" in at.selectbox(key="generate.edit_model").options
    )
    at.segmented_control(key="generate.mode").set_value("Combine").run()
    assert (
        "FLUX.1 Kontext [max] · multi-reference · 80 credits · standard"
        in at.selectbox(key="generate.combine_model").options
    )


def test_the_page_shows_the_queue_position_then_the_model_log_then_the_image(
    fal_app, fal: FalServer, open_app: Callable[..., AppTest]
) -> None:
    fal.script(Scenario(queue_positions=[2, 1, 0], progress_logs=[["Loading model"], ["Step 14/28"]]))
    at = open_app()
    at.text_area[0].input("a lighthouse at dusk")
    at = at.button(key="generate.submit").click().run()
    seen = []
    for _ in range(8):
        seen += [t.value for t in at.text]
        if "Charged 40 credits." in [c.value for c in at.caption]:
            break
        at = worked(at)
    log = [line for line in seen if "position" in line or "Loading" in line or "Step" in line]
    assert log[:5] == [
        "Waiting in the queue, position 3",
        "Waiting in the queue, position 2",
        "Waiting in the queue, position 1",
        "Loading model",
        "Step 14/28",
    ]
    assert "Charged 40 credits." in [c.value for c in at.caption]
    assert shown_balance(at) == 460


def test_a_safety_block_is_shown_and_not_charged(fal_app, fal: FalServer, open_app: Callable[..., AppTest]) -> None:
    fal.script(Scenario(queue_positions=[], progress_logs=[], nsfw=[True]))
    at = open_app()
    at.text_area[0].input("something the filter flags")
    at = at.button(key="generate.submit").click().run()
    for _ in range(4):
        at = worked(at)
    assert any("safety filter withheld the image" in e.value for e in at.error)
    assert shown_balance(at) == 500


def test_combine_waits_for_two_images(fal_app, open_app: Callable[..., AppTest]) -> None:
    at = open_app()
    at = at.segmented_control(key="generate.mode").set_value("Combine").run()
    button = at.button(key="generate.submit_combine")
    assert button.disabled and "Choose 2 more images to combine." in (button.help or "")


def test_without_a_key_the_app_stays_offline_and_says_so(
    app_settings: Container, monkeypatch: pytest.MonkeyPatch, open_app: Callable[..., AppTest]
) -> None:
    monkeypatch.setenv("IMAGE_ENGINE", "fal")
    app_container.cache_clear()
    at = open_app()
    assert any("FAL_KEY is not set" in w.value for w in at.warning)
    assert "Generate · 1 credit" in labels(at)
