"""The shipped fal catalogue: every entry's request shape against its endpoint's schema, its prices, and how a
broken catalogue is refused at start."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from core.adapters.fal_arguments import arguments as fal_arguments
from core.adapters.fal_arguments import plain_refusal
from core.catalogue import load_catalogue
from core.domain import EngineRequest, GenerationForm, GenerationKind, Input, InputSpec, ModelInfo
from core.domain.catalogue import COLUMN_INPUTS
from core.errors import ConfigurationError, ValidationError
from core.pricing import quote
from core.services.validation import check_form
from core.settings import PROJECT_ROOT

CATALOGUE = load_catalogue(PROJECT_ROOT / "assets" / "fal_models.toml")
SCHEMAS = Path(__file__).resolve().parents[1] / "data" / "fal_schemas"
IMAGE = "data:image/png;base64,iVBORw0KGgo="
MASK = "data:image/png;base64,iVBORw0KGgo="


def arguments(model: ModelInfo, request: EngineRequest, images: list[str]) -> dict[str, object]:
    """The body as the engine builds it; a fill also carries its mask."""
    return fal_arguments(model, request, images, MASK if model.kind == GenerationKind.FILL else None)


def _schema(model: ModelInfo) -> dict[str, object]:
    return json.loads((SCHEMAS / f"{model.endpoint.replace('/', '__')}.json").read_text())  # type: ignore[no-any-return]


def _request(model: ModelInfo, **options: object) -> EngineRequest:
    ratio = model.accepts(Input.ASPECT_RATIO)
    count = model.accepts(Input.NUM_IMAGES)
    fmt = model.accepts(Input.OUTPUT_FORMAT)
    return EngineRequest(
        model.kind,
        model.id,
        "a lighthouse",
        str(options.pop("aspect_ratio", ratio.default if ratio else "")),
        int(options.pop("seed", 7)),  # type: ignore[call-overload]
        int(options.pop("num_images", count.default if count else 1)),  # type: ignore[call-overload]
        str(options.pop("output_format", fmt.default if fmt else "jpeg")),
        options=options,
    )


def _variants(spec: InputSpec) -> list[object]:
    """Every choice, and both ends of a range."""
    if spec.name == Input.IMAGE_SIZE:
        return [*spec.choices, *(["1920x1080", "512x2048"] if spec.custom_sizes else [])]
    if spec.choices:
        return list(spec.choices)
    if spec.minimum is not None and spec.maximum is not None:
        kind = int if spec.is_integer else float
        return [kind(spec.minimum), kind(spec.maximum)]
    if isinstance(spec.default, bool):
        return [True, False]
    return []


def test_the_catalogue_ships_kontext_pro_max_and_dev_and_flux2_pro_and_turbo() -> None:
    by_kind = {(m.endpoint, m.kind) for m in CATALOGUE}
    for family in ("fal-ai/flux-pro/kontext", "fal-ai/flux-pro/kontext/max"):
        assert (f"{family}/text-to-image", GenerationKind.TEXT_TO_IMAGE) in by_kind
        assert (family, GenerationKind.EDIT) in by_kind
        assert (f"{family}/multi", GenerationKind.MULTI_REFERENCE) in by_kind
    assert ("fal-ai/flux-kontext/dev", GenerationKind.EDIT) in by_kind
    assert ("fal-ai/flux-2-pro", GenerationKind.TEXT_TO_IMAGE) in by_kind
    assert ("fal-ai/flux-2-pro/edit", GenerationKind.MULTI_REFERENCE) in by_kind
    assert ("fal-ai/flux-2/turbo", GenerationKind.TEXT_TO_IMAGE) in by_kind
    assert ("fal-ai/clarity-upscaler", GenerationKind.UPSCALE) in by_kind
    assert ("fal-ai/flux-pro/v1/fill", GenerationKind.FILL) in by_kind


@pytest.mark.parametrize("model", CATALOGUE, ids=lambda m: m.id)
def test_every_request_the_form_can_make_matches_the_endpoint_schema(model: ModelInfo) -> None:
    schema = _schema(model)
    for images in sorted(set(model.references)):
        jsonschema.validate(arguments(model, _request(model), [IMAGE] * images), schema)
    for spec in model.inputs:
        for value in _variants(spec):
            request = _request(model, **{spec.name.value: value})
            body = arguments(model, request, [IMAGE] * model.references[0])
            jsonschema.validate(body, schema)
            if spec.name not in COLUMN_INPUTS and spec.name != Input.IMAGE_SIZE:
                assert body[spec.param] == value


@pytest.mark.parametrize("model", CATALOGUE, ids=lambda m: m.id)
def test_a_request_carries_the_prompt_inputs_and_images_and_nothing_else(model: ModelInfo) -> None:
    body = arguments(model, _request(model), [IMAGE] * model.references[0])
    allowed = {"prompt", "image_url", "image_urls", "mask_url", *(s.param for s in model.inputs), *dict(model.fixed)}
    assert set(body) <= allowed and body["prompt"] == "a lighthouse"


def _model(model_id: str) -> ModelInfo:
    return next(m for m in CATALOGUE if m.id == model_id)


def test_prices_follow_fal_examples() -> None:
    assert quote(_model("kontext-pro"), 3, {}) == 3 * 40
    assert quote(_model("kontext-max-edit"), 1, {}, [(4000, 3000)]) == 80  # flat: the size does not matter
    # FLUX.2 [pro]: $0.03 + $0.015 per extra MP; 1920×1080 is 1.98 MP, so 2 MP: $0.045 (fal's example)
    assert quote(_model("flux2-pro"), 1, {"image_size": "1920x1080"}) == 45
    assert quote(_model("flux2-pro"), 1, {"image_size": "square"}) == 30  # 512² rounds up to 1 MP
    # pro/edit, 1024² out plus two 1920×1080 references: 0.03 + 0.015 × 4 = $0.09 (fal-flux2.md)
    pro_multi = _model("flux2-pro-multi")
    assert quote(pro_multi, 1, {"image_size": "square_hd"}, [(1920, 1080), (1920, 1080)]) == 90
    assert quote(pro_multi, 1, {"image_size": "auto"}, [(1920, 1080), (800, 600)]) == 30 + 15 + 15 * 3
    # turbo/edit: inputs resized to 1 MP each; three references and a 1024² output: 4 × $0.008
    assert quote(_model("flux2-turbo-multi"), 1, {"image_size": "square_hd"}, [(3000, 3000)] * 3) == 32
    assert quote(_model("flux2-dev"), 4, {"image_size": "landscape_4_3"}) == 4 * 12
    assert quote(_model("kontext-dev-edit"), 2, {}, [(2048, 2048)]) == 2 * 4 * 25  # follows its 4 MP input
    # Clarity, $0.03 per output MP: a 1024² source upscaled 2× is 2048², 4 MP: $0.12
    assert quote(_model("clarity-upscale"), 1, {}, [(1024, 1024)]) == 4 * 30
    # FLUX.1 Fill, $0.05 per MP, rounded up: the output keeps the 1024×768 source's size (0.75 MP, so 1 MP)
    assert quote(_model("flux-pro-fill"), 2, {}, [(1024, 768)]) == 2 * 50


def test_a_fill_is_never_sent_without_its_mask_and_an_upscale_always_says_its_factor() -> None:
    fill, upscale = _model("flux-pro-fill"), _model("clarity-upscale")
    with pytest.raises(ValidationError, match="painted region"):
        fal_arguments(fill, _request(fill), [IMAGE])
    assert arguments(fill, _request(fill), [IMAGE])["mask_url"] == MASK
    assert arguments(upscale, _request(upscale), [IMAGE])["upscale_factor"] == 2


def test_the_default_prices_keep_fals_relative_prices() -> None:
    assert _model("kontext-max").price.per_image == 2 * _model("kontext-pro").price.per_image  # $0.08 vs $0.04
    assert _model("flux2-turbo").price.first_megapixel * 3 == _model("flux2-dev").price.first_megapixel * 2


def test_a_broken_entry_stops_the_start_with_its_name(tmp_path: Path) -> None:
    text = (PROJECT_ROOT / "assets" / "fal_models.toml").read_text()
    broken = tmp_path / "models.toml"
    broken.write_text(text.replace("default = 3.5", "default = 35.0", 1))
    with pytest.raises(ConfigurationError, match=r"models\[0\] \(kontext-pro\)\.inputs\.guidance_scale.*outside"):
        load_catalogue(broken)
    broken.write_text(text.replace('kind = "edit"', 'kind = "text_to_image"', 1))
    with pytest.raises(ConfigurationError, match="kontext-pro-edit.*takes no input images"):
        load_catalogue(broken)
    with pytest.raises(ConfigurationError, match="does not exist"):
        load_catalogue(tmp_path / "missing.toml")


def test_refusals_are_said_in_plain_words_never_fals_text() -> None:
    flagged = [{"loc": ["body", "prompt"], "msg": "NSFW <script>", "type": "content_policy_violation"}]
    assert "content policy" in plain_refusal(flagged) and "script" not in plain_refusal(flagged)
    assert "guidance scale" in plain_refusal([{"loc": ["body", "guidance_scale"], "msg": "x", "type": "value_error"}])
    assert plain_refusal(["odd"]) == plain_refusal([])


def test_a_value_outside_the_catalogue_is_refused_before_any_charge_with_what_it_takes() -> None:
    def form(model_id: str, **options: object) -> GenerationForm:
        return GenerationForm(GenerationKind.TEXT_TO_IMAGE, "a lighthouse", model_id, "", options=options)

    refusals = [
        (form("flux2-dev", guidance_scale=25.0), "Guidance scale must be a number from 0 to 20"),
        (form("flux2-dev", steps=True), "Steps must be a whole number from 4 to 50"),
        (form("flux2-dev", steps=12.5), "Steps must be a whole number"),
        (form("flux2-pro", image_size="4096x1024"), "custom width and height from 512 to 2048"),
        (form("flux2-pro", safety_tolerance="6"), "Safety tolerance must be one of 1, 2, 3, 4, 5"),
        (form("flux2-dev", enhance_prompt="yes"), "Prompt enhancement is on or off."),
        (form("flux2-pro", guidance_scale=3.5), "FLUX.2 [pro] does not take: Guidance scale."),
    ]
    for bad, message in refusals:
        with pytest.raises(ValidationError, match=re.escape(message)):
            check_form(bad, _model(bad.model))
    checked = check_form(form("flux2-pro", image_size="1920x1080"), _model("flux2-pro"))
    assert checked.options["image_size"] == "1920x1080" and checked.options["safety_tolerance"] == "2"
