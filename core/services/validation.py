"""Input rules for generation requests: every refusal says what is wrong and how to fix it."""

from __future__ import annotations

import re
import secrets
import unicodedata

from core.domain import (
    ASPECT_RATIOS,
    MAX_IMAGES_PER_JOB,
    MAX_PROMPT_CHARS,
    OUTPUT_FORMATS,
    GenerationForm,
    GenerationKind,
)
from core.errors import ValidationError

MAX_SEED = 2**31 - 1
SEED_TEXT = re.compile(r"[0-9]{1,12}")  # ASCII only: str.isdigit() and int() accept other scripts' digits
ALLOWED_CONTROLS = {"\n", "\t"}


def clean_prompt(text: str, kind: GenerationKind, max_chars: int = MAX_PROMPT_CHARS) -> str:
    what = "prompt" if kind == GenerationKind.TEXT_TO_IMAGE else "instruction"
    prompt = text.replace("\r\n", "\n").strip()
    if not prompt:
        raise ValidationError(f"Write {'an' if what == 'instruction' else 'a'} {what} first.")
    if len(prompt) > max_chars:
        raise ValidationError(f"The {what} is {len(prompt):,} characters long; the limit is {max_chars:,}.")
    bad = sorted({c for c in prompt if unicodedata.category(c) == "Cc" and c not in ALLOWED_CONTROLS})
    if bad:
        shown = ", ".join(f"U+{ord(c):04X}" for c in bad[:3])
        raise ValidationError(f"The {what} contains invisible control characters ({shown}). Remove them and try again.")
    return prompt


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


def check_form(form: GenerationForm, max_prompt_chars: int = MAX_PROMPT_CHARS) -> tuple[str, int]:
    """Validate everything but the model; return the cleaned prompt and the seed to use."""
    prompt = clean_prompt(form.prompt, form.kind, max_prompt_chars)
    chosen = parse_seed(form.seed)
    if form.aspect_ratio not in ASPECT_RATIOS:
        raise ValidationError(f"Choose an aspect ratio from {', '.join(ASPECT_RATIOS)}.")
    if form.output_format not in OUTPUT_FORMATS:
        raise ValidationError("Choose JPEG or PNG as the output format.")
    if not 1 <= form.num_images <= MAX_IMAGES_PER_JOB:
        raise ValidationError(f"Ask for 1 to {MAX_IMAGES_PER_JOB} images.")
    if chosen is not None and not 0 <= chosen <= MAX_SEED:
        raise ValidationError(f"The seed must be a whole number from 0 to {MAX_SEED:,}.")
    if form.kind == GenerationKind.EDIT and (form.upload is None) == (form.source_image_id is None):
        raise ValidationError("Choose one image to edit: upload a file or pick one from your gallery.")
    seed = chosen if chosen is not None else secrets.randbelow(MAX_SEED + 1)
    return prompt, seed


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
