"""Encode the offline engine's pictures as JPEG or PNG, with no metadata."""

from __future__ import annotations

import io

from PIL import Image


def encode(image: Image.Image, output_format: str) -> bytes:
    """JPEG (quality 92, alpha flattened onto white) or PNG, with no metadata."""
    buffer = io.BytesIO()
    if output_format == "jpeg":
        if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
            rgba = image.convert("RGBA")
            flat = Image.new("RGB", rgba.size, (255, 255, 255))
            flat.paste(rgba, mask=rgba.getchannel("A"))
            image = flat
        elif image.mode != "RGB":
            image = image.convert("RGB")
        image.save(buffer, format="JPEG", quality=92)
    elif output_format == "png":
        if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            image = image.convert("RGB")
        image.save(buffer, format="PNG")
    else:
        raise ValueError(f"unknown output format {output_format!r}")
    return buffer.getvalue()
