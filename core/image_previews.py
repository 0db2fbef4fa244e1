"""What the gallery shows of an image: its preview and thumbnail (WebP) and its ThumbHash placeholder."""

from __future__ import annotations

import base64
import io

import thumbhash
from PIL import Image

PREVIEW_SIDE = 768  # grid tiles: sharp at two columns on a 3x phone screen and in a wide desktop row
THUMBNAIL_SIDE = 256
# ThumbHash allows up to 100 × 100, but keeps only the lowest frequencies (7 × 7 at most). thumbhash-py is
# pure Python, O(pixels × coefficients): 100 px costs ~30 ms an image, 32 px ~2 ms, and the hash differs at
# most by one step in one or two of its ~30 coefficients (measured on photos and screenshots).
THUMBHASH_SIDE = 32


def previews(image: Image.Image) -> tuple[bytes, bytes, Image.Image]:
    """The preview and the thumbnail, as WebP, and the thumbnail's pixels, from the already decoded image
    (shrunk in place when it can).

    For JPEG sources we also thumbnail from the full decode instead of re-decoding with
    draft(): the full decode is needed for the clean copy anyway, and a second, DCT-scaled
    decode measured no faster than reducing the pixels we already have. The thumbnail is
    made from the preview, so the full-size pixels are reduced only once.
    """
    image = displayable(image)
    encoded = []
    for side in (PREVIEW_SIDE, THUMBNAIL_SIDE):
        # reducing_gap=1.0 box-reduces by the largest whole factor before the bicubic step:
        # measured ~4 ms less per 1024 px image, and invisible after a q80 WebP encode.
        image.thumbnail((side, side), reducing_gap=1.0)
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if image.has_transparency_data else "RGB")
        buffer = io.BytesIO()
        image.save(buffer, format="WEBP", quality=80, method=4)
        encoded.append(buffer.getvalue())
    return encoded[0], encoded[1], image


def displayable(image: Image.Image) -> Image.Image:
    """The image in a mode that resizes smoothly: palette, 1-bit, CMYK and 16-bit grey are converted."""
    if image.mode in ("1", "P", "PA", "CMYK"):
        # Palette and 1-bit images would be resized with nearest-neighbour: convert first.
        return image.convert("RGBA" if image.has_transparency_data else "RGB")
    if image.mode.startswith("I") or image.mode == "F":
        return image.convert("I").point(lambda value: value * (1 / 256)).convert("L")  # 16-bit grey
    return image


def thumbhash_of(image: Image.Image) -> str:
    """The ThumbHash of an image as shown (already upright), in standard base64: about 30 characters.

    Transparency is not kept: thumbhash-py 0.1.2 fails on see-through pixels (a precedence slip in its
    alpha branch), so they are blended into the average colour first, as its encoder blends the colour
    channels anyway. The placeholder is opaque; only its alpha channel is lost.
    """
    small = displayable(image)
    if max(small.size) > THUMBHASH_SIDE:
        scale = THUMBHASH_SIDE / max(small.size)
        size = (max(1, round(small.width * scale)), max(1, round(small.height * scale)))
        # Box filtering averages every source pixel: what a hash of the lowest frequencies wants.
        small = small.resize(size, Image.Resampling.BOX)
    small = _opaque(small.convert("RGBA"))
    hashed: list[int] = thumbhash.rgba_to_thumb_hash(small.width, small.height, list(small.tobytes()))
    return base64.b64encode(bytes(hashed)).decode("ascii")


def _opaque(image: Image.Image) -> Image.Image:
    """The RGBA image with see-through pixels blended into its alpha-weighted average colour."""
    low, _ = image.getchannel("A").getextrema()
    if low == 255:
        return image
    rgba = image.tobytes()
    alphas = rgba[3::4]
    total = sum(alphas) or 1
    average = tuple(round(sum(c * a for c, a in zip(rgba[band::4], alphas)) / total) for band in range(3))
    flat = Image.new("RGBA", image.size, (*average, 255))
    flat.alpha_composite(image)
    return flat
