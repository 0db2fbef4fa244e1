"""A generation form's settings as plain values: their defaults, their coercion to what a model accepts, the
custom image size's encoding, and turning them into a GenerationForm's fields or back from a job's.

Values are keyed by the catalogue's input names ("aspect_ratio", "seed", "image_size", ...), plus WIDTH and
HEIGHT for a custom size while "image_size" holds CUSTOM. The Generate page keeps them in its widgets; the
same rules serve any caller that fills a form without a page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.domain.catalogue import COLUMN_INPUTS, Input, InputSpec, ModelInfo

CUSTOM = "custom"  # "image_size" when the width and height are chosen by hand
WIDTH, HEIGHT = "image_width", "image_height"
DEFAULT_SIDE = 1024
OUTPUT_FORMATS = ("jpeg", "png", "webp")
INPUT_NAMES = frozenset(name.value for name in Input)
SettingValues = Mapping[str, object]


def settle(model: ModelInfo, values: SettingValues) -> dict[str, object]:
    """What must change so that every setting is one this model accepts: its default where the value is not.
    A setting the model also takes is kept, so a choice carries over from one model to another."""
    changes: dict[str, object] = {}
    for spec in model.inputs:
        if not allowed(spec, values.get(spec.name.value)):
            changes[spec.name.value] = initial(spec)
    size = model.accepts(Input.IMAGE_SIZE)
    if size is not None and size.custom_sizes:
        low, high = size.custom_sizes
        for side in (WIDTH, HEIGHT):
            value = values.get(side)
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                changes[side] = max(low, min(DEFAULT_SIDE, high))
    return changes


def form_fields(model: ModelInfo, values: SettingValues) -> dict[str, Any]:
    """The settings as GenerationForm fields: aspect_ratio, seed, num_images, output_format and options."""
    options: dict[str, object] = {}
    for spec in model.inputs:
        if spec.name in COLUMN_INPUTS:
            continue
        value = values.get(spec.name.value)
        if spec.name == Input.IMAGE_SIZE and value == CUSTOM:
            value = custom_size(values.get(WIDTH), values.get(HEIGHT))
        options[spec.name.value] = value
    count = values.get(Input.NUM_IMAGES.value)
    return {
        "aspect_ratio": values.get(Input.ASPECT_RATIO.value, "") if model.accepts(Input.ASPECT_RATIO) else "",
        "seed": values.get(Input.SEED.value, "") if model.accepts(Input.SEED) else "",
        "num_images": (count if isinstance(count, int) and count else 1) if model.accepts(Input.NUM_IMAGES) else 1,
        "output_format": values.get(Input.OUTPUT_FORMAT.value, "jpeg") if model.accepts(Input.OUTPUT_FORMAT) else "",
        "options": options,
    }


def from_job(model: ModelInfo, job: Mapping[str, Any]) -> dict[str, object]:
    """A job's settings (a Draft: options, aspect_ratio, num_images, output_format, seed) as setting values for
    this model (Use these settings again). What the model does not take is left out; the seed always comes."""
    values: dict[str, object] = {}
    for name, value in (job.get("options") or {}).items():
        spec = model.accepts(Input(name)) if name in INPUT_NAMES else None
        if spec is None:
            continue
        if spec.name == Input.IMAGE_SIZE and isinstance(value, str) and value not in spec.choices:
            sides = custom_sides(value)
            if sides is not None:
                values[WIDTH], values[HEIGHT], value = sides[0], sides[1], CUSTOM
        values[spec.name.value] = value
    for name in (Input.ASPECT_RATIO, Input.NUM_IMAGES):
        spec = model.accepts(name)
        if spec is not None and allowed(spec, job.get(name.value)):
            values[name.value] = job[name.value]
    if job.get("output_format") in OUTPUT_FORMATS:
        values[Input.OUTPUT_FORMAT.value] = job["output_format"]
    if "seed" in job:
        values[Input.SEED.value] = "" if job["seed"] is None else str(job["seed"])
    return values


def custom_size(width: object, height: object) -> str:
    """A hand-chosen size as the catalogue's image_size value: "1920x1080"."""
    return f"{width}x{height}"


def custom_sides(value: str) -> tuple[int, int] | None:
    """The width and height of a custom image_size value ("1920x1080"), or None for a preset or anything else."""
    width, _, height = value.partition("x")
    if not (_digits(width) and _digits(height)):
        return None
    return int(width), int(height)


def _digits(text: str) -> bool:
    return 0 < len(text) <= 6 and text.isascii() and text.isdigit()  # ASCII: "²" and "٣" are digits to isdigit()


def allowed(spec: InputSpec, value: object) -> bool:
    """Whether a setting's value is one this input accepts (as its widget holds it)."""
    if spec.name == Input.SEED:
        return isinstance(value, str)
    if value is None:
        return spec.default is None
    if spec.name == Input.IMAGE_SIZE:  # a preset, or CUSTOM with the sides under WIDTH and HEIGHT
        return value in spec.choices or (value == CUSTOM and spec.custom_sizes is not None)
    # The rule is the catalogue's; an integer input also needs an int, not 28.0.
    return spec.allows(value) and (not spec.is_integer or isinstance(value, int))


def initial(spec: InputSpec) -> object:
    """A setting's starting value: blank for the seed (a random one), else the model's default or first choice."""
    if spec.name == Input.SEED:
        return ""
    if spec.default is not None:
        return spec.default
    if spec.choices:
        return spec.choices[0]
    return spec.minimum if spec.minimum is not None else 0
