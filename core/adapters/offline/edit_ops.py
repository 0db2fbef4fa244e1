"""Carry out parsed edit operations on an image with Pillow: tone, filters, geometry and captions."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont, ImageOps

from core.adapters.offline.variation import subtle_variation

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@dataclass(frozen=True)
class Operation:
    """One step of an edit. Only the field its name needs is set."""

    name: str
    degrees: float = 0.0  # rotate: clockwise
    ratio: str = ""  # crop: "16:9"
    text: str = ""  # caption
    seed: int = 0  # vary: which of the subtle variations (the engine sets the job's seed)


def apply_operations(image: Image.Image, operations: list[Operation]) -> Image.Image:
    """The edited image, RGB, or RGBA when the input had transparency."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    result = image.convert("RGBA" if has_alpha else "RGB")
    for operation in operations:
        result = _APPLY[operation.name](result, operation)
    return result


def _on_colour(image: Image.Image, change: Callable[[Image.Image], Image.Image]) -> Image.Image:
    """Apply a colour change to the RGB channels only, so transparency is left as it was."""
    if image.mode != "RGBA":
        return change(image)
    changed = change(image.convert("RGB")).convert("RGBA")
    changed.putalpha(image.getchannel("A"))
    return changed


def _tone(change: Callable[[Image.Image], Image.Image]) -> Callable[[Image.Image, Operation], Image.Image]:
    return lambda image, _op: _on_colour(image, change)


def _scale_channels(red: float, blue: float) -> Callable[[Image.Image], Image.Image]:
    red_lut = [min(255, round(v * red)) for v in range(256)]
    blue_lut = [min(255, round(v * blue)) for v in range(256)]

    def change(rgb: Image.Image) -> Image.Image:
        r, g, b = rgb.split()
        return Image.merge("RGB", (r.point(red_lut), g, b.point(blue_lut)))

    return change


def _sepia(rgb: Image.Image) -> Image.Image:
    return ImageOps.colorize(ImageOps.grayscale(rgb), black=(38, 24, 12), white=(255, 244, 218), mid=(166, 126, 84))


def _pixelate(image: Image.Image, _op: Operation) -> Image.Image:
    w, h = image.size
    block = max(4, round(min(w, h) / 48))
    cols, rows = math.ceil(w / block), math.ceil(h / block)
    small = image.resize((cols, rows), Image.Resampling.BOX)
    return small.resize((cols * block, rows * block), Image.Resampling.NEAREST).crop((0, 0, w, h))


# Clockwise turns that are exact and lossless as a transpose; any other angle is resampled onto a larger canvas.
QUARTER_TURNS = {
    90.0: Image.Transpose.ROTATE_270,
    180.0: Image.Transpose.ROTATE_180,
    270.0: Image.Transpose.ROTATE_90,
}


def _rotate(image: Image.Image, op: Operation) -> Image.Image:
    if op.degrees in QUARTER_TURNS:
        return image.transpose(QUARTER_TURNS[op.degrees])
    if op.degrees == 0:
        return image
    fill = (0, 0, 0, 0) if image.mode == "RGBA" else (255, 255, 255)
    # Pillow turns counterclockwise; expand so no corner is cut off.
    return image.rotate(-op.degrees, Image.Resampling.BICUBIC, expand=True, fillcolor=fill)


def crop_box(size: tuple[int, int], ratio: str) -> tuple[int, int, int, int]:
    """The centred box of the asked ratio ("16:9") that a crop keeps: left, top, right, bottom."""
    rw, rh = (int(x) for x in ratio.split(":"))
    w, h = size
    if w * rh > h * rw:
        new_w, new_h = max(1, round(h * rw / rh)), h
    else:
        new_w, new_h = w, max(1, round(w * rh / rw))
    left, top = (w - new_w) // 2, (h - new_h) // 2
    return left, top, left + new_w, top + new_h


def _crop(image: Image.Image, op: Operation) -> Image.Image:
    return image.crop(crop_box(image.size, op.ratio))


def _wrap(text: str, font: Font, width: float) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        while len(word) > 1 and font.getlength(word) > width:  # a word wider than the image is broken up
            cut = _fitting_prefix(word, font, width)
            lines, word = _append(lines, word[:cut], font, width, force=True), word[cut:]
        lines = _append(lines, word, font, width)
    return lines


def _fitting_prefix(word: str, font: Font, width: float) -> int:
    """How many leading letters of a too-wide word fit in width (at least one).

    Doubling then halving measures O(log n) prefixes no longer than about one line, where trying
    every prefix from the longest down measured O(n) prefixes of up to the whole word.
    """
    fits, too_wide = 0, len(word)  # the empty prefix fits; the whole word does not
    probe = 1
    while probe < too_wide and font.getlength(word[:probe]) <= width:
        fits, probe = probe, probe * 2
    too_wide = min(too_wide, probe)
    while too_wide - fits > 1:
        middle = (fits + too_wide) // 2
        if font.getlength(word[:middle]) <= width:
            fits = middle
        else:
            too_wide = middle
    return max(1, fits)


def _append(lines: list[str], word: str, font: Font, width: float, force: bool = False) -> list[str]:
    if lines and not force and font.getlength(f"{lines[-1]} {word}") <= width:
        return [*lines[:-1], f"{lines[-1]} {word}"]
    return [*lines, word]


def _caption(image: Image.Image, op: Operation) -> Image.Image:
    w, h = image.size
    size = max(10, round(min(h * 0.055, w * 0.08)))
    while True:  # shrink long captions so the band never covers more than about 40% of the picture
        font = ImageFont.load_default(size=size)
        lines = _wrap(op.text, font, w * 0.92)
        line_height, pad = round(size * 1.25), round(size * 0.5)
        band = len(lines) * line_height + 2 * pad
        if band <= h * 0.4 or size <= 10:
            break
        size = max(10, round(size * 0.85))
    result = image.copy()
    canvas = ImageDraw.Draw(result, "RGBA")
    canvas.rectangle((0, h - band, w, h), fill=(0, 0, 0, 160))
    for i, line in enumerate(lines):
        canvas.text((w / 2, h - band + pad + i * line_height), line, font=font, fill=(255, 255, 255, 255), anchor="ma")
    return result


_APPLY: dict[str, Callable[[Image.Image, Operation], Image.Image]] = {
    "grayscale": _tone(lambda rgb: ImageOps.grayscale(rgb).convert("RGB")),
    "sepia": _tone(_sepia),
    "invert": _tone(ImageOps.invert),
    "warmer": _tone(_scale_channels(red=1.12, blue=0.88)),
    "cooler": _tone(_scale_channels(red=0.88, blue=1.12)),
    "brighter": _tone(lambda rgb: ImageEnhance.Brightness(rgb).enhance(1.3)),
    "darker": _tone(lambda rgb: ImageEnhance.Brightness(rgb).enhance(0.7)),
    "more_contrast": _tone(lambda rgb: ImageEnhance.Contrast(rgb).enhance(1.4)),
    "less_contrast": _tone(lambda rgb: ImageEnhance.Contrast(rgb).enhance(0.65)),
    "blur": lambda image, _op: image.filter(ImageFilter.GaussianBlur(radius=max(2.0, min(image.size) / 150))),
    "sharpen": lambda image, _op: image.filter(ImageFilter.UnsharpMask(radius=2, percent=160, threshold=2)),
    "pixelate": _pixelate,
    "rotate": _rotate,
    "flip": lambda image, _op: image.transpose(Image.Transpose.FLIP_TOP_BOTTOM),
    "mirror": lambda image, _op: image.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
    "crop": _crop,
    "caption": _caption,
    "vary": lambda image, op: _on_colour(image, lambda rgb: subtle_variation(rgb, op.seed)),
}
