"""Making more from an image: the rule that builds a Vary from a job, and what the offline engine draws for a subtle
variation, a 2× upscale and a region fill."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageOps, ImageStat

from core.adapters.offline import OfflineImageEngine
from core.catalogue import load_catalogue
from core.domain import EngineRequest, GenerationKind, GenerationView, JobStatus
from core.domain.reuse import reuse_draft
from core.domain.variations import (
    SUBTLE_VARIATION_PROMPT,
    model_for,
    subtle_form,
    upscale_form,
    vary_form,
    vary_refusal,
)
from core.errors import EngineInputError
from core.settings import PROJECT_ROOT

CATALOGUE = load_catalogue(PROJECT_ROOT / "assets" / "fal_models.toml")
KEY = "0123456789abcdef0123456789abcdef"


def job(**changes: object) -> GenerationView:
    values: dict[str, object] = {
        "id": "a" * 32,
        "kind": GenerationKind.TEXT_TO_IMAGE,
        "status": JobStatus.SUCCEEDED,
        "prompt": "a lighthouse at dusk",
        "model": "flux2-dev",
        "aspect_ratio": "16:9",
        "seed": 1234,
        "num_images": 3,
        "output_format": "png",
        "cost": 36,
        "charged": 36,
        "created_at": datetime(2026, 12, 1, tzinfo=UTC),
        "finished_at": None,
        "parent_image_id": None,
        "queue_position": None,
        "progress": 1.0,
        "status_message": "",
        "options": {"image_size": "1920x1080", "steps": 20},
    }
    values.update(changes)
    return GenerationView(**values)  # type: ignore[arg-type]


def test_vary_asks_for_the_same_settings_and_count_with_a_new_random_seed() -> None:
    form = vary_form(job())
    assert (form.kind, form.model, form.prompt, form.aspect_ratio) == (
        GenerationKind.TEXT_TO_IMAGE,
        "flux2-dev",
        "a lighthouse at dusk",
        "16:9",
    )
    assert form.num_images == 3 and form.output_format == "png"
    assert dict(form.options) == {"image_size": "1920x1080", "steps": 20}
    assert form.seed is None  # the service draws a new one and records it


def test_vary_keeps_an_edits_source_and_a_combinations_references_and_caps_the_count() -> None:
    edit = vary_form(job(kind=GenerationKind.EDIT, input_image_ids=(5,), num_images=4), max_images=1)
    assert edit.source_image_id == 5 and edit.num_images == 1
    combined = vary_form(job(kind=GenerationKind.MULTI_REFERENCE, input_image_ids=(5, 9)))
    assert combined.reference_ids == (5, 9) and combined.source_image_id is None


def test_uploads_upscales_and_fills_are_not_varied_and_say_what_to_use_instead() -> None:
    assert "Vary subtly" in vary_refusal(None)
    assert "Vary subtly" in vary_refusal(job(kind=GenerationKind.UPSCALE))
    with pytest.raises(ValueError, match="Vary subtly"):
        vary_form(job(kind=GenerationKind.FILL))


def test_a_subtle_variation_uses_the_edit_model_of_the_sources_family() -> None:
    edit = model_for(GenerationKind.EDIT, CATALOGUE, "kontext-max")
    assert edit is not None and edit.id == "kontext-max-edit"
    fallback = model_for(GenerationKind.EDIT, CATALOGUE, "flux2-dev")  # no FLUX.2 [dev] edit: the first edit model
    assert fallback is not None and fallback.id == "kontext-pro-edit"
    form = subtle_form(7, edit, job(model="kontext-max", output_format="webp"))
    assert form.prompt == SUBTLE_VARIATION_PROMPT and form.source_image_id == 7
    assert form.num_images == 3 and form.output_format == ""  # webp is not a Kontext format: its default


def test_an_upscale_describes_the_picture_by_its_prompt_and_makes_one_image() -> None:
    upscaler = model_for(GenerationKind.UPSCALE, CATALOGUE)
    assert upscaler is not None and upscaler.endpoint == "fal-ai/clarity-upscaler"
    form = upscale_form(7, upscaler, job())
    assert form.kind == GenerationKind.UPSCALE and form.prompt == "a lighthouse at dusk" and form.num_images == 1


# -- the offline engine ------------------------------------------------------------------------------------------


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _run(engine: OfflineImageEngine, request: EngineRequest, key: str = KEY) -> Image.Image:
    outputs = engine.result(engine.submit(request, key))
    return Image.open(io.BytesIO(outputs[0].data)).convert("RGB")


def _request(kind: GenerationKind, model: str, source: bytes, **extra: object) -> EngineRequest:
    return EngineRequest(
        kind, model, str(extra.pop("prompt", "x")), "1:1", int(extra.pop("seed", 7)), 1, "png", (source,), **extra
    )  # type: ignore[arg-type]


def _edges() -> Image.Image:
    """Black and white halves: a hard edge down the middle."""
    image = Image.new("RGB", (64, 48), "black")
    ImageDraw.Draw(image).rectangle((32, 0, 63, 47), fill="white")
    return image


def test_the_offline_upscale_doubles_each_side_and_smooths_with_lanczos(tmp_path: Path) -> None:
    engine = OfflineImageEngine(tmp_path, 0)
    big = _run(engine, _request(GenerationKind.UPSCALE, "offline-upscale", _png(_edges())))
    assert big.size == (128, 96)
    row = [big.getpixel((x, 40))[0] for x in range(56, 72)]  # type: ignore[index]
    assert any(0 < v < 255 for v in row)  # a resampled edge has in-between greys, not NEAREST's hard step
    assert big.getpixel((0, 0)) == (0, 0, 0) and big.getpixel((127, 95)) == (255, 255, 255)


def test_an_upscale_past_the_pixel_limit_is_refused_before_it_is_queued(tmp_path: Path) -> None:
    engine = OfflineImageEngine(tmp_path, 0, max_pixels=1_000_000)
    source = _png(Image.new("RGB", (800, 700)))
    with pytest.raises(EngineInputError, match=r"1,600 × 1,400 pixels .* over the limit of 1 megapixels"):
        engine.check(_request(GenerationKind.UPSCALE, "offline-upscale", source))


def test_the_offline_fill_repaints_the_masked_region_and_keeps_the_rest(tmp_path: Path) -> None:
    engine = OfflineImageEngine(tmp_path, 0)
    source = Image.new("RGB", (200, 160), (128, 128, 128))
    mask = Image.new("L", source.size, 0)
    ImageDraw.Draw(mask).rectangle((50, 40, 149, 119), fill=255)
    filled = _run(
        engine,
        _request(GenerationKind.FILL, "offline-fill", _png(source), prompt="a red sun", mask=_png(mask)),
    )
    difference = ImageChops.difference(filled, source).convert("L")
    inside = ImageStat.Stat(difference.crop((60, 50, 140, 110))).mean[0]
    outside = ImageStat.Stat(difference, ImageOps.invert(mask)).mean[0]
    assert inside > 20 and outside < 1


def test_a_fill_without_its_mask_is_not_queued(tmp_path: Path) -> None:
    engine = OfflineImageEngine(tmp_path, 0)
    with pytest.raises(EngineInputError, match="painted region"):
        engine.submit(_request(GenerationKind.FILL, "offline-fill", _png(_edges())), KEY)


def test_a_subtle_variation_differs_a_little_again_for_each_seed(tmp_path: Path) -> None:
    engine = OfflineImageEngine(tmp_path, 0)
    source = Image.new("RGB", (96, 64), (40, 120, 200))
    ImageDraw.Draw(source).ellipse((20, 10, 70, 60), fill=(230, 180, 40))

    def vary(seed: int, key: str) -> Image.Image:
        request = _request(GenerationKind.EDIT, "offline-edit", _png(source), prompt=SUBTLE_VARIATION_PROMPT, seed=seed)
        return _run(engine, request, key)

    first, again, other = vary(1, KEY), vary(1, "1" * 32), vary(2, "2" * 32)
    change = ImageStat.Stat(ImageChops.difference(first, source).convert("L")).mean[0]
    assert 2 < change < 20  # visible, but the picture is still the same picture
    assert first.tobytes() == again.tobytes() and first.tobytes() != other.tobytes()
    assert first.size == source.size


def test_using_an_upscales_settings_again_puts_its_words_in_create() -> None:
    upscaled = job(kind=GenerationKind.UPSCALE, model="clarity-upscale", num_images=1)
    assert reuse_draft(upscaled) == {"kind": GenerationKind.TEXT_TO_IMAGE, "prompt": "a lighthouse at dusk"}
    assert reuse_draft(job(kind=GenerationKind.FILL), part="prompt")["kind"] == GenerationKind.TEXT_TO_IMAGE
    assert reuse_draft(upscaled, part="seed") == {"seed": 1234}
