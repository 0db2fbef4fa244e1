"""The one place a job's price is worked out: the quote shown on the button is the hold, to the credit.

Flat models cost `per_image` for each image asked for. Megapixel models are priced as fal prices
them: a megapixel is 2^20 pixels, each image is rounded up to whole megapixels (at least one),
the first output megapixel costs `first_megapixel` and every further one `per_megapixel`, and
input images add `per_megapixel` for each of their megapixels (or one each, where the model
resizes its inputs to 1 MP). fal's examples: FLUX.2 [pro] at 1920×1080 is 2 MP ($0.045), and
with two 1920×1080 references and a 1024² output it is $0.09.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from core.domain import UPSCALE_FACTOR, GenerationKind, Input, InputMegapixels, ModelInfo
from core.domain.catalogue import parse_image_size
from core.text import plural

MEGAPIXEL = 1024 * 1024
ENGINE_INPUT_LONG_SIDE = 2048  # input images are sent no larger than this on their long side
DEFAULT_SIZE = (1024, 1024)
STARTER_IMAGES = 3  # a new account's starter grant pays for at least this many images of the default model

Size = tuple[int, int]


def megapixels(size: Size) -> int:
    width, height = size
    return max(1, math.ceil(width * height / MEGAPIXEL))


def fit_long_side(size: Size, long_side: int = ENGINE_INPUT_LONG_SIDE) -> Size:
    """The size an input image is sent at: downscaled, keeping its shape, so its long side is at most `long_side`."""
    width, height = size
    scale = min(1.0, long_side / max(width, height, 1))
    return max(1, round(width * scale)), max(1, round(height * scale))


def output_size(model: ModelInfo, options: Mapping[str, object], input_sizes: Sequence[Size]) -> Size:
    """The output size a quote assumes: the chosen image size, else the first input's (sent) size (an upscale's
    enlarged by UPSCALE_FACTOR), else 1024²."""
    chosen = options.get(Input.IMAGE_SIZE.value) if model.accepts(Input.IMAGE_SIZE) else None
    size = parse_image_size(str(chosen)) if chosen else None
    if size is not None:
        return size
    if input_sizes:
        sent = fit_long_side(input_sizes[0])
        if model.kind == GenerationKind.UPSCALE:  # the upscaler enlarges what it is sent
            return sent[0] * UPSCALE_FACTOR, sent[1] * UPSCALE_FACTOR
        return sent
    return DEFAULT_SIZE


def quote(model: ModelInfo, num_images: int, options: Mapping[str, object], input_sizes: Sequence[Size] = ()) -> int:
    """Credits for one job: `input_sizes` are the source images' own sizes (they are priced as sent)."""
    price = model.price
    if not price.by_megapixel:
        return price.per_image * num_images
    extra = megapixels(output_size(model, options, input_sizes)) - 1
    per_output = price.first_megapixel + price.per_megapixel * extra
    sent = [fit_long_side(size) for size in input_sizes]
    if price.inputs == InputMegapixels.COUNTED:
        input_megapixels = sum(megapixels(size) for size in sent)
    elif price.inputs == InputMegapixels.ONE_EACH:
        input_megapixels = len(sent)
    else:
        input_megapixels = 0
    return num_images * per_output + price.per_megapixel * input_megapixels


def capture(held: int, delivered: int, asked: int) -> int:
    """What a job is charged when `delivered` of `asked` images arrived: their share of the hold, rounded down."""
    if asked <= 0:
        return 0
    return held * min(max(delivered, 0), asked) // asked


def default_options(model: ModelInfo) -> dict[str, object]:
    return {spec.name.value: spec.default for spec in model.inputs if spec.default is not None}


def one_image(model: ModelInfo) -> int:
    """Credits for one image of `model` at its default settings, with no input images."""
    return quote(model, 1, default_options(model))


def price_label(model: ModelInfo) -> str:
    """The price a model picker shows: "40 credits" (each image), or "from 25 credits/MP" (the first megapixel)."""
    price = model.price
    if not price.by_megapixel:
        return plural(price.per_image, "credit")
    return f"from {plural(price.first_megapixel, 'credit')}/MP"


def default_model(models: Sequence[ModelInfo]) -> ModelInfo | None:
    """The model a new account is offered first: the engine's first text-to-image model."""
    return next((m for m in models if m.kind == GenerationKind.TEXT_TO_IMAGE), None)


def credits_reach(credits: int, models: Sequence[ModelInfo], per: str = "") -> str:
    """What `credits` buy on this engine, for a pack's card: "About 25 images with FLUX.1 Kontext [pro]" (`per`
    follows the count: " a month"), at the default model's price for one image at its default settings (a
    larger size costs more); "" when the engine has no text-to-image model."""
    default = default_model(models)
    each = one_image(default) if default is not None else 0
    if default is None or each <= 0:
        return ""
    images = credits // each
    if images < 1:
        return f"Less than one image{per} with {default.label}"
    return f"About {plural(images, 'image')}{per} with {default.label}"


def starter_shortfall(models: Sequence[ModelInfo], starter_credits: int) -> str:
    """Why a starter grant of `starter_credits` cannot pay for STARTER_IMAGES images of the default model (the
    first text-to-image model a new account is offered), naming the numbers; "" when it can."""
    default = default_model(models)
    if default is None:
        return ""
    each = one_image(default)
    needed = STARTER_IMAGES * each
    if starter_credits >= needed:
        return ""
    return (
        f"STARTER_CREDITS is {starter_credits:,}, but a new account's first {STARTER_IMAGES} images with the default "
        f"model, {default.label}, cost {needed:,} credits ({plural(each, 'credit')} each). "
        f"Set STARTER_CREDITS to at least {needed:,}."
    )
