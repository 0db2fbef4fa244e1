"""What a fal.ai model receives for a request (built from its catalogue entry), and fal's refusals in plain words."""

from __future__ import annotations

from collections.abc import Sequence

from core.domain import EngineRequest, GenerationKind, Input, InputImages, ModelInfo
from core.domain.catalogue import INPUT_LABELS, parse_image_size
from core.errors import EngineInputError

# fal's machine-readable refusal types (fal.md section 2), said the way a user can act on them.
_REFUSALS = {
    "content_policy_violation": "The model refused this request under its content policy. Try another prompt or image.",
    "image_too_large": "An image is too large for this model. Try a smaller one.",
    "image_too_small": "An image is too small for this model. Try a larger one.",
    "image_load_error": "The model could not read one of the images. Try another file.",
    "file_download_error": "The model could not read one of the images. Try another file.",
    "face_detection_error": "The model found no face to work with in the image.",
    "unsupported_image_format": "The model does not take this image format. Try a JPEG or PNG.",
}
_GENERIC = "The model could not carry out this request. Try a different prompt or different settings."


def arguments(
    model: ModelInfo, request: EngineRequest, images: Sequence[str], mask: str | None = None
) -> dict[str, object]:
    """The request body: the prompt, the fixed parameters, each input the model takes under its own name,
    the images (data URIs) as `image_url` or `image_urls`, and a fill's mask (a data URI the size of the
    image as sent) as `mask_url`. Nothing else, and nothing about the user."""
    body: dict[str, object] = {"prompt": request.prompt, **dict(model.fixed)}
    for spec in model.inputs:
        value = _value(spec.name, request)
        if value is None:
            value = spec.default
        if value is None:
            continue
        if spec.name == Input.IMAGE_SIZE and isinstance(value, str) and value not in spec.choices:
            size = parse_image_size(value)
            value = {"width": size[0], "height": size[1]} if size else value
        body[spec.param] = value
    if model.images_as == InputImages.ONE:
        body["image_url"] = images[0]
    elif model.images_as == InputImages.LIST:
        body["image_urls"] = list(images)
    if model.kind == GenerationKind.FILL:
        if mask is None:
            raise EngineInputError("A fill needs the painted region; paint over part of the image and try again.")
        body["mask_url"] = mask
    return body


def _value(name: Input, request: EngineRequest) -> object:
    columns: dict[Input, object] = {
        Input.ASPECT_RATIO: request.aspect_ratio or None,
        Input.SEED: request.seed,
        Input.NUM_IMAGES: request.num_images,
        Input.OUTPUT_FORMAT: request.output_format,
    }
    return columns[name] if name in columns else request.options.get(name.value)


def plain_refusal(detail: Sequence[object]) -> str:
    """One sentence for a 4xx `detail` list: by its type where we know it, else by the input it names."""
    for item in detail:
        if not isinstance(item, dict):
            continue
        known = _REFUSALS.get(str(item.get("type", "")))
        if known:
            return known
        location = item.get("loc")
        field = str(location[-1]) if isinstance(location, list) and location else ""
        label = next((v for k, v in INPUT_LABELS.items() if k == field), "")
        if field == "mask_url":
            return "The model could not use the painted region. Paint it again and try once more."
        if field in ("image_url", "image_urls"):
            return "The model could not use one of the images. Try another file."
        if label:
            return f"The model did not accept the {label.lower()}. Choose another value and try again."
        if field == "prompt":
            return "The model did not accept the prompt. Rephrase it and try again."
    return _GENERIC
