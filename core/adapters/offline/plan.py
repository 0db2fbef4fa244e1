"""Plan an edit before doing it: each step's picture size and the total work, refused when too big to carry out."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from core.adapters.offline.edit_ops import QUARTER_TURNS, Operation, crop_box
from core.adapters.offline.edits import MAX_CAPTION_CHARS
from core.errors import EngineInputError

Size = tuple[int, int]

MAX_OPERATIONS = 10
MIN_CAPTION_SIDE = 64  # pixels: the smallest letters need about 10 across and a band of 22 high
# The work one instruction may cost, in passes of a simple step over a picture of the maximum size.
WORK_BUDGET = 15
# Cost per pixel relative to a simple step such as "invert" (bench/offline_edit_limits.py measures them);
# a turn by an angle is counted on the larger, output canvas.
_SLOW_WEIGHTS = {"blur": 6, "sharpen": 6, "rotate": 8, "vary": 6}
_SLOW_STEPS = "blur, sharpen and turning by an angle"
_UNREADABLE = "The offline editor could not read the source image."
_HEADER_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, KeyError)


@dataclass(frozen=True)
class EditPlan:
    """The picture's size before the first step and after each step, and the weighted pixels processed."""

    sizes: tuple[Size, ...]
    work: int


def source_size(data: bytes) -> Size:
    """Width and height read from the image's header; no pixel is decoded."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except Image.DecompressionBombError as exc:  # Pillow refuses to even open it
        raise EngineInputError(
            "The source image has far too many pixels for the offline editor. Start from a smaller picture."
        ) from exc
    except _HEADER_ERRORS as exc:
        raise EngineInputError(_UNREADABLE) from exc
    return width, height


def pixel_limit(max_pixels: int) -> int:
    """The largest picture allowed at any step: the app's limit, and never more than Pillow's own ceiling."""
    pillow_limit = Image.MAX_IMAGE_PIXELS
    return max_pixels if pillow_limit is None else min(max_pixels, pillow_limit)


def plan_edit(source: Size, operations: Sequence[Operation], max_pixels: int) -> EditPlan:
    """Work out every step's output size and the total work; raise EngineInputError if any is too much."""
    if len(operations) > MAX_OPERATIONS:
        raise EngineInputError(
            f"An edit can have up to {MAX_OPERATIONS} steps; this one has {len(operations)}. "
            "Split it into two edits: edit the result again for the remaining steps."
        )
    # The same number that limits each caption limits them all together, counted as drawn.
    caption_chars = sum(len(op.text) for op in operations if op.name == "caption")
    if caption_chars > MAX_CAPTION_CHARS:
        raise EngineInputError(
            f"The captions of one edit can have up to {MAX_CAPTION_CHARS} characters in all; "
            f"these have {caption_chars}. Shorten them or use fewer captions."
        )
    limit = pixel_limit(max_pixels)
    if _area(source) > limit:
        raise EngineInputError(
            f"The picture is {_dimensions(source)} pixels ({_megapixels(_area(source))} megapixels); the offline "
            f"editor works on pictures up to {_megapixels(limit)} megapixels. Start from a smaller picture."
        )
    sizes, work = [source], 0
    for number, operation in enumerate(operations, start=1):
        before = sizes[-1]
        if operation.name == "caption" and min(before) < MIN_CAPTION_SIDE:
            raise EngineInputError(
                f"The picture is {_dimensions(before)} pixels where the caption is added, too small to write on: "
                f"a caption needs a picture at least {MIN_CAPTION_SIDE} × {MIN_CAPTION_SIDE} pixels."
            )
        after = output_size(operation, before)
        if _area(after) > limit:
            raise EngineInputError(_too_large(number, operations, after, limit))
        work += _weight(operation) * max(_area(before), _area(after))
        sizes.append(after)
    if work > WORK_BUDGET * limit:
        raise EngineInputError(
            f"This edit is too much work for a picture of {_dimensions(source)} pixels: {_SLOW_STEPS} take "
            "long on large pictures. Use fewer of those steps, crop the picture first, or start from a smaller one."
        )
    return EditPlan(tuple(sizes), work)


def check_upscale(source: Size, factor: int, max_pixels: int) -> Size:
    """The upscaled size; raise EngineInputError when it would be larger than the app's pixel limit."""
    limit = pixel_limit(max_pixels)
    after = (source[0] * factor, source[1] * factor)
    if _area(after) > limit:
        raise EngineInputError(upscale_refusal(source, factor, limit))
    return after


def upscale_refusal(source: Size, factor: int, limit: int) -> str:
    after = (source[0] * factor, source[1] * factor)
    return (
        f"Upscaled {factor}×, this {_dimensions(source)} picture would be {_dimensions(after)} pixels "
        f"({_megapixels(_area(after))} megapixels), over the limit of {_megapixels(limit)} megapixels. "
        "Upscale a smaller picture, or crop this one first."
    )


def output_size(operation: Operation, size: Size) -> Size:
    """The size of the picture after one step, exactly as edit_ops and Pillow will make it."""
    width, height = size
    if operation.name == "crop":
        left, top, right, bottom = crop_box(size, operation.ratio)
        return right - left, bottom - top
    if operation.name != "rotate" or operation.degrees in (0.0, 180.0):
        return size
    if operation.degrees in QUARTER_TURNS:
        return height, width
    return _expanded_by_rotation(size, -operation.degrees)


def _expanded_by_rotation(size: Size, angle: float) -> Size:
    """The canvas of Image.rotate(angle, expand=True), by the same arithmetic as Pillow's Image.rotate."""
    width, height = size
    angle = angle % 360.0
    if angle in (0.0, 180.0):
        return size
    if angle in (90.0, 270.0):
        return height, width
    radians = -math.radians(angle)
    a, b = round(math.cos(radians), 15), round(math.sin(radians), 15)
    d, e = round(-math.sin(radians), 15), round(math.cos(radians), 15)
    centre_x, centre_y = width / 2, height / 2
    c = a * -centre_x + b * -centre_y + centre_x
    f = d * -centre_x + e * -centre_y + centre_y
    corners = ((0, 0), (width, 0), (width, height), (0, height))
    xs = [a * x + b * y + c for x, y in corners]
    ys = [d * x + e * y + f for x, y in corners]
    return math.ceil(max(xs)) - math.floor(min(xs)), math.ceil(max(ys)) - math.floor(min(ys))


def _turns_by_an_angle(operation: Operation) -> bool:
    return operation.name == "rotate" and not (operation.degrees == 0 or operation.degrees in QUARTER_TURNS)


def _weight(operation: Operation) -> int:
    if operation.name == "rotate" and not _turns_by_an_angle(operation):
        return 1  # a transpose, not a resample
    return _SLOW_WEIGHTS.get(operation.name, 1)


def _too_large(number: int, operations: Sequence[Operation], size: Size, limit: int) -> str:
    operation = operations[number - 1]
    step = f"Step {number} of {len(operations)}" if len(operations) > 1 else "This edit"
    shown, allowed = _megapixels(_area(size)), _megapixels(limit)
    if shown == allowed:  # "40 megapixels; the limit is 40" would read as a mistake
        shown = f"just over {allowed}"
    said = f"{step} ({_describe(operation)}) would make the picture {_dimensions(size)} pixels"
    said += f" ({shown} megapixels); the offline editor works on pictures up to {allowed} megapixels."
    if operation.name == "rotate":
        said += " Turning by an angle that is not a quarter turn makes the canvas larger so no corner is cut off."
        if sum(map(_turns_by_an_angle, operations)) > 1:
            said += " Turn once by the total angle instead."
        else:
            said += " Crop the picture first, or start from a smaller one."
    return said


def _describe(operation: Operation) -> str:
    if operation.name == "rotate":
        degrees = operation.degrees % 360
        if degrees > 180:
            return f"rotate {360 - degrees:g}° counterclockwise"
        return f"rotate {degrees:g}° clockwise"
    if operation.name == "crop":
        return f"crop to {operation.ratio}"
    return operation.name.replace("_", " ")


def _area(size: Size) -> int:
    return size[0] * size[1]


def _dimensions(size: Size) -> str:
    return f"{size[0]:,} × {size[1]:,}"


def _megapixels(pixels: int) -> str:
    value = pixels / 1_000_000
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"
