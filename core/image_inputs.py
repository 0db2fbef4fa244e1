"""Images on their way into a job: their size for a quote, and the copy an engine receives."""

from __future__ import annotations

import io

from PIL import Image

from core.errors import EngineError, UploadError
from core.images import BAD_DATA, DAMAGED, sniff


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height from the header alone (for a quote before anything is stored); UploadError if unreadable."""
    kind = sniff(data)
    if kind is None:
        raise UploadError("Upload a JPEG, PNG or WebP.")
    try:
        with kind.decoder(io.BytesIO(data)) as image:
            return image.size
    except Image.DecompressionBombError:
        raise UploadError("This image has far more pixels than we accept.") from None
    except BAD_DATA:
        raise UploadError(DAMAGED) from None


def for_engine(data: bytes, long_side: int) -> tuple[bytes, str]:
    """A stored (already clean) image as an engine receives it: unchanged when it fits, else downscaled so
    its long side is `long_side`, as JPEG if it was one and PNG otherwise. Returns (bytes, content type)."""
    kind = sniff(data)
    if kind is None:
        raise EngineError("A source image could not be read.")
    with kind.decoder(io.BytesIO(data)) as image:
        if max(image.size) <= long_side:
            return data, kind.content_type
        image.load()
        image.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        if kind.content_type == "image/jpeg":
            image.convert("RGB").save(out, "JPEG", quality=92)
            return out.getvalue(), "image/jpeg"
        image.save(out, "PNG")
        return out.getvalue(), "image/png"
