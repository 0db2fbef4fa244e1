"""The generation rules as pure functions: a form's settings for any model, and what reproduces an image."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.catalogue import load_catalogue
from core.domain import GenerationKind, GenerationView, ImageView, Input, JobStatus, ModelInfo
from core.domain import form_settings as rules
from core.domain.reuse import edit_draft, image_facts, reuse_draft, seed_text
from core.services.validation import check_form
from tests.factories import create_form

CATALOGUE = {m.id: m for m in load_catalogue(Path(__file__).resolve().parents[2] / "assets" / "fal_models.toml")}
WHEN = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def model(model_id: str) -> ModelInfo:
    return CATALOGUE[model_id]


def job(**overrides: object) -> GenerationView:
    values: dict[str, object] = {
        "id": "job1",
        "kind": GenerationKind.TEXT_TO_IMAGE,
        "status": JobStatus.SUCCEEDED,
        "prompt": "a lighthouse at dusk",
        "model": "flux2-dev",
        "aspect_ratio": "",
        "seed": 7,
        "num_images": 4,
        "output_format": "png",
        "cost": 40,
        "charged": 40,
        "created_at": WHEN,
        "finished_at": WHEN,
        "parent_image_id": None,
        "queue_position": None,
        "progress": 1.0,
        "status_message": "",
        "options": {"image_size": "1920x1080", "guidance_scale": 4.5},
    }
    values.update(overrides)
    return GenerationView(**values)  # type: ignore[arg-type]


def image(**overrides: object) -> ImageView:
    values: dict[str, object] = {
        "id": 57,
        "generation_id": "job1",
        "width": 1920,
        "height": 1080,
        "content_type": "image/png",
        "created_at": WHEN,
        "thumb_url": "",
        "preview_url": "",
        "original_url": "",
        "download_url": "",
        "source": "generated",
        "position": 2,
        "seed": 1234,
    }
    values.update(overrides)
    return ImageView(**values)  # type: ignore[arg-type]


# -- a form's settings ---------------------------------------------------------------------------------------


def test_settling_an_empty_form_gives_every_input_the_models_default_and_a_random_seed() -> None:
    pro = model("kontext-pro")
    settled = rules.settle(pro, {})
    assert settled[Input.SEED.value] == ""
    for spec in pro.inputs:
        if spec.name != Input.SEED and spec.default is not None:
            assert settled[spec.name.value] == spec.default


def test_a_setting_both_models_take_carries_over_and_one_the_new_model_refuses_falls_back() -> None:
    values = {"aspect_ratio": "16:9", "num_images": 3, "output_format": "png", "seed": "42"}
    changes = rules.settle(model("kontext-pro"), values)
    assert "aspect_ratio" not in changes and "num_images" not in changes and "seed" not in changes
    flux2 = model("flux2-pro")
    assert "aspect_ratio" not in {s.name.value for s in flux2.inputs}  # it takes an image size instead
    assert rules.settle(flux2, values)["image_size"] == flux2.accepts(Input.IMAGE_SIZE).default  # type: ignore[union-attr]


def test_a_custom_size_is_encoded_for_the_form_and_its_sides_kept_in_range() -> None:
    flux2 = model("flux2-pro")
    spec = flux2.accepts(Input.IMAGE_SIZE)
    assert spec is not None and spec.custom_sizes is not None
    low, high = spec.custom_sizes
    values = {**rules.settle(flux2, {}), "image_size": rules.CUSTOM, rules.WIDTH: high + 1, rules.HEIGHT: 1080}
    values.update(rules.settle(flux2, values))
    assert values[rules.WIDTH] == max(low, min(1024, high)) and values[rules.HEIGHT] == 1080
    fields = rules.form_fields(flux2, values)
    assert fields["options"]["image_size"] == f"{values[rules.WIDTH]}x1080"
    checked = check_form(create_form(model="flux2-pro", **fields), flux2)  # the model accepts what the form sends
    assert checked.options["image_size"] == f"{values[rules.WIDTH]}x1080"


def test_a_jobs_settings_come_back_as_the_form_had_them_custom_size_included() -> None:
    flux2 = model("flux2-dev")
    values = rules.from_job(flux2, reuse_draft(job(), image()))
    assert values["image_size"] == rules.CUSTOM and (values[rules.WIDTH], values[rules.HEIGHT]) == (1920, 1080)
    assert values["seed"] == "1234" and values["num_images"] == 1 and values["output_format"] == "png"
    assert values["guidance_scale"] == 4.5
    assert rules.form_fields(flux2, {**rules.settle(flux2, values), **values})["options"]["image_size"] == "1920x1080"
    assert "num_images" not in rules.from_job(model("flux2-pro"), reuse_draft(job(), image()))  # pro takes no count


def test_a_jobs_size_in_other_scripts_digits_or_an_input_the_catalogue_dropped_is_left_out() -> None:
    values = rules.from_job(model("flux2-pro"), {"options": {"image_size": "١٩٢٠x١٠٨٠", "no_such_input": 1}})
    assert values == {"image_size": "١٩٢٠x١٠٨٠"}  # not a preset: settle() puts the default back
    assert rules.settle(model("flux2-pro"), values)["image_size"] != "١٩٢٠x١٠٨٠"


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.sampled_from([*rules.INPUT_NAMES, rules.WIDTH, rules.HEIGHT]),
        st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=12)),
    ),
    st.sampled_from(sorted(CATALOGUE)),
)
def test_any_leftover_values_settle_into_a_form_the_model_accepts(values: dict[str, object], model_id: str) -> None:
    chosen = model(model_id)
    settled = {**values, **rules.settle(chosen, values)}
    settled["seed"] = ""  # any text may be typed as a seed; the form's own check explains a bad one
    kind = chosen.kind
    images = (
        {"source_image_id": 1} if kind in (GenerationKind.EDIT, GenerationKind.UPSCALE, GenerationKind.FILL) else {}
    )
    if kind == GenerationKind.MULTI_REFERENCE:
        images = {"reference_ids": (1, 2)}
    form = replace(create_form(model=model_id, **rules.form_fields(chosen, settled)), kind=kind, **images)
    checked = check_form(form, chosen)  # raises if the model refuses anything the settled form sends
    assert set(checked.options) <= {spec.name.value for spec in chosen.inputs}


# -- what reproduces an image ----------------------------------------------------------------------------------


def test_reusing_a_batch_image_asks_for_one_image_with_that_images_own_seed() -> None:
    draft = reuse_draft(job(), image())
    assert draft["seed"] == 1234 and draft["num_images"] == 1
    assert draft["prompt"] == "a lighthouse at dusk" and draft["options"] == {
        "image_size": "1920x1080",
        "guidance_scale": 4.5,
    }


def test_reusing_only_the_prompt_or_only_the_seed_takes_nothing_else() -> None:
    assert reuse_draft(job(), image(), "prompt") == {
        "kind": GenerationKind.TEXT_TO_IMAGE,
        "prompt": "a lighthouse at dusk",
    }
    assert reuse_draft(job(), image(), "seed") == {"seed": 1234}
    assert reuse_draft(job(), image(seed=None), "seed") == {"seed": 7}  # the engine did not report the image's own


def test_reusing_an_edit_or_a_combination_picks_its_images_again() -> None:
    edit = job(kind=GenerationKind.EDIT, parent_image_id=3, num_images=1)
    assert reuse_draft(edit)["source_image_id"] == 3
    combined = job(kind=GenerationKind.MULTI_REFERENCE, input_image_ids=(3, 4), num_images=1)
    assert reuse_draft(combined)["reference_ids"] == [3, 4]
    assert edit_draft(9) == {"kind": GenerationKind.EDIT, "source_image_id": 9, "prompt": ""}


def test_a_batch_images_seed_names_its_place_and_the_jobs_seed() -> None:
    assert seed_text(image(), job()) == "1234 (image 3 of 4, job seed 7)"
    assert seed_text(image(seed=None), job(num_images=1)) == "7"
    assert seed_text(image(seed=None), job()) == "not reported (image 3 of 4, job seed 7)"


def test_the_facts_say_how_an_image_was_made_in_reading_order() -> None:
    facts = image_facts(image(), job(provider_request_id="fal-ai/flux-2/req-9"), "FLUX.2 [dev]")
    assert list(facts) == [
        "Model",
        "Size",
        "Format",
        "Seed",
        "Image size",
        "Guidance scale",
        "Cost",
        "Created",
        "Request ID",
    ]
    assert facts["Model"] == "FLUX.2 [dev]" and facts["Image size"] == "1920 × 1080 px"
    assert facts["Cost"] == "40 credits for 4 images" and facts["Request ID"] == "req-9"
    uploaded = image_facts(image(generation_id=None, source="upload"), None)
    assert uploaded == {"Size": "1920 × 1080 px", "Format": "PNG", "Uploaded": "2026-12-01 09:30 UTC"}


@pytest.mark.parametrize("kind", [GenerationKind.EDIT, GenerationKind.MULTI_REFERENCE])
def test_an_edit_shows_a_seed_only_where_the_engine_used_one(kind: GenerationKind) -> None:
    assert "Seed" not in image_facts(image(seed=None), job(kind=kind, num_images=1))
    assert image_facts(image(seed=5), job(kind=kind, num_images=1))["Seed"] == "5"


def test_an_image_made_with_a_style_names_it_after_the_model_even_once_retired() -> None:
    facts = image_facts(image(), job(), "FLUX.2 [dev]", "Watercolour (retired)")
    assert list(facts)[:2] == ["Model", "Style"] and facts["Style"] == "Watercolour (retired)"
