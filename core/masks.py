"""Region masks for Vary region: the brush's PNG checked, binarised and sized to its image, and areas as masks.

A mask is a PNG in mode L the size of its image: 255 where the image is to change, 0 where it stays. It comes
from the browser (the brush component's PNG, as a data URL) or from a named area or rectangle (the keyboard
fallback); both go through `clean_mask`, which refuses an empty mask and one that covers the whole picture.
"""

from __future__ import annotations

import base64
import binascii
import io
from dataclasses import dataclass

from PIL import Image, ImageChops, PngImagePlugin

from core.errors import UploadError
from core.images import BAD_DATA, DEFAULT_MAX_BYTES, DEFAULT_MAX_PIXELS, sniff

THRESHOLD = 128  # a pixel at least this bright (after its alpha) is painted
# Above this share the region is the whole picture: nothing would be kept, so it is not a region edit. Edit
# (an instruction for the whole image) does that better, and a fill engine would ignore the source anyway.
MAX_COVERED = 0.99
EMPTY = "Paint over the part of the image to change first."
WHOLE = (
    "The region covers the whole image, so nothing of it would be kept. "
    "Leave some of it unpainted, or use Edit to change the whole image."
)
NOT_A_MASK = "The painted region could not be read. Clear it and paint again."
_MISFIT = "The painted region does not match this image's shape. Clear it and paint again."
_DATA_URL_PREFIX = "data:image/png;base64,"
_ASPECT_TOLERANCE = 0.02


@dataclass(frozen=True)
class Rect:
    """A rectangle in fractions of the image's width and height (0 to 1), from its top-left corner."""

    left: float
    top: float
    width: float
    height: float

    def __post_init__(self) -> None:
        values = (self.left, self.top, self.width, self.height)
        if not all(0.0 <= value <= 1.0 for value in values):
            raise ValueError(f"A rectangle is given in fractions from 0 to 1: {values}")


# The areas the keyboard fallback offers, by name.
AREAS: dict[str, Rect] = {
    "Left half": Rect(0.0, 0.0, 0.5, 1.0),
    "Right half": Rect(0.5, 0.0, 0.5, 1.0),
    "Top half": Rect(0.0, 0.0, 1.0, 0.5),
    "Bottom half": Rect(0.0, 0.5, 1.0, 0.5),
    "Centre": Rect(0.25, 0.25, 0.5, 0.5),
}


def mask_from_data_url(value: object, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The PNG bytes in a `data:image/png;base64,…` URL (what the brush sends), or UploadError."""
    if not isinstance(value, str) or not value.startswith(_DATA_URL_PREFIX):
        raise UploadError(NOT_A_MASK)
    encoded = value[len(_DATA_URL_PREFIX) :]
    if len(encoded) > (max_bytes // 3 + 1) * 4:  # refused before decoding: base64 is 4 characters per 3 bytes
        raise UploadError(NOT_A_MASK)
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise UploadError(NOT_A_MASK) from None


def clean_mask(
    data: bytes, width: int, height: int, *, max_bytes: int = DEFAULT_MAX_BYTES, max_pixels: int = DEFAULT_MAX_PIXELS
) -> bytes:
    """The mask PNG as an engine receives it: mode L, exactly width × height, only 0 and 255. Raises UploadError
    for anything that is not a readable PNG within the limits, or whose painted region is empty or everything."""
    if not 0 < width * height <= max_pixels or width <= 0 or height <= 0:
        raise UploadError("This image is too large to change a region of.")
    painted = _binarised(_decoded(data, width, height, max_bytes, max_pixels))
    if painted.size != (width, height):
        painted = painted.resize((width, height), Image.Resampling.NEAREST)
    _check_coverage(painted)
    out = io.BytesIO()
    painted.save(out, "PNG", optimize=False)
    return out.getvalue()


def area_mask(area: str | Rect, width: int, height: int) -> bytes:
    """A mask PNG (mode L, width × height) that is white inside a named area (AREAS) or a rectangle."""
    rect = AREAS[area] if isinstance(area, str) else area
    if width <= 0 or height <= 0:
        raise ValueError(f"An image has a positive size, not {width} × {height}")
    mask = Image.new("L", (width, height), 0)
    left, top = round(rect.left * width), round(rect.top * height)
    right, bottom = (
        min(width, round((rect.left + rect.width) * width)),
        min(height, round((rect.top + rect.height) * height)),
    )
    if right > left and bottom > top:
        mask.paste(255, (left, top, right, bottom))
    out = io.BytesIO()
    mask.save(out, "PNG")
    return out.getvalue()


def painted_share(mask_png: bytes) -> float:
    """The share of a clean mask's pixels that are painted (0 to 1)."""
    with Image.open(io.BytesIO(mask_png)) as mask:
        histogram = mask.convert("L").histogram()
        return sum(histogram[THRESHOLD:]) / max(1, mask.width * mask.height)


def _decoded(data: bytes, width: int, height: int, max_bytes: int, max_pixels: int) -> Image.Image:
    kind = sniff(data) if data and len(data) <= max_bytes else None
    if kind is None or kind.content_type != "image/png":
        raise UploadError(NOT_A_MASK)
    try:
        # The plugin, not Image.open: the size is checked against our limit from the header, before any pixel.
        image = PngImagePlugin.PngImageFile(io.BytesIO(data))
    except (*BAD_DATA, Image.DecompressionBombError):
        raise UploadError(NOT_A_MASK) from None
    mask_width, mask_height = image.size
    if mask_width * mask_height > max_pixels or mask_width <= 0 or mask_height <= 0:
        image.close()
        raise UploadError(NOT_A_MASK)
    # The browser rounds the mask's size to whole pixels: its width may be off by one, and a little more when large.
    if abs(mask_width - mask_height * width / height) > 1 + _ASPECT_TOLERANCE * mask_width:
        image.close()
        raise UploadError(_MISFIT)
    try:
        image.load()
        return image.copy()
    except BAD_DATA:
        raise UploadError(NOT_A_MASK) from None
    finally:
        image.close()


def _binarised(image: Image.Image) -> Image.Image:
    """Mode L, 255 where painted: brightness times opacity (a transparent pixel is unpainted) over the threshold."""
    try:
        has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
        if has_alpha:
            luminance, alpha = image.convert("LA").split()
            grey = ImageChops.multiply(luminance, alpha)
        else:
            grey = image.convert("L")
    except BAD_DATA:
        raise UploadError(NOT_A_MASK) from None
    return grey.point(lambda v: 255 if v >= THRESHOLD else 0)


def _check_coverage(mask: Image.Image) -> None:
    histogram = mask.histogram()
    painted = histogram[255]
    if painted == 0:
        raise UploadError(EMPTY)
    if painted >= MAX_COVERED * mask.width * mask.height:
        raise UploadError(WHOLE)
