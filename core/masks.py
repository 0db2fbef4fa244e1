"""A brushed mask made ready for a fill: a clean L-mode PNG the size of its image, white where the region is painted.

PLACEHOLDER (issue 22, vary/upscale helper): a minimal version so the fill back end and its tests run; the brush
helper's core/masks.py replaces it, keeping this signature.
"""

from __future__ import annotations

import io

from PIL import Image, UnidentifiedImageError

from core.errors import UploadError, ValidationError

_MAX_MASK_BYTES = 16 * 1024 * 1024


def clean_mask(data: bytes, width: int, height: int) -> bytes:
    """The mask as a black-and-white L-mode PNG of `width` × `height`; refuses what is not an image or paints
    nothing."""
    if not data or len(data) > _MAX_MASK_BYTES:
        raise UploadError("The painted region could not be read. Paint it again.")
    try:
        with Image.open(io.BytesIO(data)) as opened:
            if opened.width * opened.height > 4 * width * height + 4_000_000:
                raise UploadError("The painted region is far larger than the image. Paint it again.")
            mask = opened.convert("LA").getchannel("A") if opened.mode in ("RGBA", "LA") else opened.convert("L")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise UploadError("The painted region could not be read. Paint it again.") from exc
    if mask.getextrema()[1] == 0 and opened.mode in ("RGBA", "LA"):
        mask = opened.convert("L")  # an opaque black-and-white drawing, not strokes on transparency
    mask = mask.resize((width, height), Image.Resampling.BILINEAR).point(lambda v: 255 if v >= 128 else 0)
    if mask.getextrema()[1] == 0:
        raise ValidationError("Paint over the part of the image to change first.")
    out = io.BytesIO()
    mask.save(out, "PNG")
    return out.getvalue()
