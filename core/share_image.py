"""The public copy of a shared image: decoded and re-encoded as a JPEG at the share's size, so nothing but the
pixels leaves (no EXIF, XMP, ICC profile or comment, whatever the stored file holds)."""

from __future__ import annotations

import io

from PIL import Image, ImageOps

from core.domain.shares import fitted
from core.image_previews import displayable
from core.images import BAD_DATA

JPEG_QUALITY = 85
BACKGROUND = (255, 255, 255)  # what see-through pixels become: JPEG has no transparency


def public_copy(data: bytes, side: int, max_pixels: int) -> bytes:
    """A JPEG of the picture, upright, longest side at most `side` (never enlarged), with no metadata.
    Raises ValueError for bytes that are not a picture it may decode."""
    try:
        with Image.open(io.BytesIO(data), formats=("JPEG", "PNG", "WEBP")) as opened:
            if opened.width * opened.height > max_pixels:
                raise ValueError("too many pixels")
            opened.load()
            try:
                image = ImageOps.exif_transpose(opened) or opened
            except BAD_DATA:
                image = opened  # unreadable orientation: the pixels as they are
            image = _opaque(displayable(image))
            size = fitted(image.width, image.height, side)
            if size != image.size:
                image = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)
            buffer = io.BytesIO()
            image.info = {}  # the encoder would carry over ICC profiles, comments and EXIF from here
            image.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=False, progressive=True)
            return buffer.getvalue()
    except (*BAD_DATA, Image.DecompressionBombError) as error:
        raise ValueError("not a picture") from error


def _opaque(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA") or image.has_transparency_data:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, BACKGROUND)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")
