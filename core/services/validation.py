"""Input rules for generation requests: every refusal says what is wrong and how to fix it."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from core.domain import (
    ASPECT_RATIOS,
    MAX_PROMPT_CHARS,
    GenerationForm,
    GenerationKind,
    Input,
    InputSpec,
    ModelInfo,
)
from core.domain.catalogue import COLUMN_INPUTS, INPUT_LABELS, parse_image_size
from core.errors import ValidationError
from core.stored_text import prompt_rule

MAX_SEED = 2**31 - 1
SEED_TEXT = re.compile(r"[0-9]{1,12}")  # ASCII only: str.isdigit() and int() accept other scripts' digits
COLUMN_NAMES = {name.value for name in COLUMN_INPUTS}


def clean_prompt(text: str, kind: GenerationKind, max_chars: int = MAX_PROMPT_CHARS) -> str:
    return prompt_rule(kind, max_chars).clean(text)


def parse_seed(value: int | str | None) -> int | None:
    """A seed as typed: blank for random, else a whole number in plain digits 0-9 (not "²" or "٣")."""
    if value is None or isinstance(value, int):
        return value
    text = value.strip()
    if not text:
        return None
    if not SEED_TEXT.fullmatch(text):
        raise ValidationError(f"The seed must be a whole number from 0 to {MAX_SEED:,}, or empty for a random seed.")
    return int(text)


@dataclass(frozen=True)
class CheckedForm:
    """A form that the chosen model accepts, with every input it takes filled in (defaults where unset)."""

    prompt: str
    seed: int
    aspect_ratio: str  # "" for a model that takes an image size instead, or none
    num_images: int
    output_format: str
    options: dict[str, object]  # the model's other inputs by our names, as sent


def check_form(form: GenerationForm, model: ModelInfo, max_prompt_chars: int = MAX_PROMPT_CHARS) -> CheckedForm:
    """Validate a form against the model's catalogue entry; every refusal names the setting and what it takes."""
    prompt = clean_prompt(form.prompt, form.kind, max_prompt_chars)
    chosen = parse_seed(form.seed)
    if chosen is not None and not 0 <= chosen <= MAX_SEED:
        raise ValidationError(f"The seed must be a whole number from 0 to {MAX_SEED:,}.")
    _check_images(form, model)
    unknown = sorted(set(form.options) - {spec.name.value for spec in model.inputs} - COLUMN_NAMES)
    if unknown:
        names = ", ".join(INPUT_LABELS.get(name, name) for name in unknown)
        raise ValidationError(f"{model.label} does not take: {names}.")
    options = {
        spec.name.value: _checked(spec, form.options.get(spec.name.value), model)
        for spec in model.inputs
        if spec.name not in COLUMN_INPUTS
    }
    ratio = model.accepts(Input.ASPECT_RATIO)
    aspect_ratio = str(_checked(ratio, form.aspect_ratio or None, model)) if ratio else ""
    count = model.accepts(Input.NUM_IMAGES)
    asked = _checked(count, form.num_images, model) if count else _only_one(form.num_images, model)
    num_images = asked if isinstance(asked, int) else 1
    fmt = model.accepts(Input.OUTPUT_FORMAT)
    output_format = str(_checked(fmt, form.output_format or None, model)) if fmt else "jpeg"
    seed = chosen if chosen is not None else secrets.randbelow(MAX_SEED + 1)
    return CheckedForm(
        prompt, seed, aspect_ratio, num_images, output_format, {k: v for k, v in options.items() if v is not None}
    )


def _only_one(asked: int, model: ModelInfo) -> int:
    if asked != 1:
        raise ValidationError(f"{model.label} makes one image per job.")
    return 1


def _check_images(form: GenerationForm, model: ModelInfo) -> None:
    fewest, most = model.references
    count = form.image_count
    if not model.kind.takes_images:
        if count:
            raise ValidationError(f"{model.label} makes images from a prompt alone; it takes no images.")
        return
    if fewest == most == 1 and count != 1:
        raise ValidationError("Choose one image to edit: upload a file or pick one from your gallery.")
    if not fewest <= count <= most:
        raise ValidationError(f"{model.label} combines {fewest} to {most} images; you chose {count}.")


def _checked(spec: InputSpec, value: object, model: ModelInfo) -> object:
    """One input's value, checked against its entry; None (unset) becomes the default."""
    if value is None or value == "":
        return spec.default
    if not spec.allows(value):
        raise ValidationError(_refusal(spec, model))
    if spec.name == Input.IMAGE_SIZE and value not in spec.choices:
        size = parse_image_size(str(value))
        return f"{size[0]}x{size[1]}" if size else value  # a custom size, written one way
    if spec.choices:
        return str(value)
    if isinstance(value, bool):
        return value
    assert isinstance(value, int | float)
    return int(value) if spec.is_integer else float(value)


def _refusal(spec: InputSpec, model: ModelInfo) -> str:
    """What an input takes, said so the user can pick a value it accepts."""
    label = INPUT_LABELS.get(spec.name.value, spec.name.value)
    if spec.name == Input.IMAGE_SIZE:
        low, high = spec.custom_sizes or (0, 0)
        custom = f", or a custom width and height from {low} to {high} pixels" if spec.custom_sizes else ""
        return f"Image size must be one of {', '.join(spec.choices)}{custom}."
    if spec.choices:
        return f"{label} must be one of {', '.join(spec.choices)} for {model.label}."
    if isinstance(spec.default, bool) or spec.name == Input.ENHANCE_PROMPT:
        return f"{label} is on or off."
    number = "a whole number" if spec.is_integer else "a number"
    if spec.minimum is None or spec.maximum is None:
        return f"{label} must be {number}."
    return f"{label} must be {number} from {spec.minimum:g} to {spec.maximum:g} for {model.label}."


def nearest_aspect_ratio(width: int, height: int) -> str:
    """The Kontext ratio closest to an image's shape (edits keep the source's shape)."""

    def distance(ratio: str) -> float:
        w, h = (int(part) for part in ratio.split(":"))
        return abs(w / h - width / height)

    return min(ASPECT_RATIOS, key=distance)


def check_token(token: str) -> str:
    if len(token) != 32 or any(c not in "0123456789abcdef" for c in token):
        raise ValidationError("This form has expired. Reload the page and submit again.")
    return token
