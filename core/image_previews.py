"""What the gallery shows of an image: its preview and thumbnail (WebP) and its ThumbHash placeholder."""

from __future__ import annotations

import base64
import io

import numpy as np
from numpy.typing import NDArray
from PIL import Image

PREVIEW_SIDE = 768  # grid tiles: sharp at two columns on a 3x phone screen and in a wide desktop row
THUMBNAIL_SIDE = 256
# WebP effort: method 2 makes previews ~4% larger than method 4 (thumbnails ~9%), as faithful (PSNR within
# 0.1 dB), in ~40% of the time: the encode was the largest part of the derivative step (bench/derivatives.py).
WEBP_METHOD = 2
# ThumbHash allows up to 100 × 100, but keeps only the lowest frequencies (7 × 7 at most): from 32 px the hash
# differs at most by one step in one or two of its ~30 coefficients (measured on photos and screenshots).
THUMBHASH_SIDE = 32
_FLAT = 1e-12  # a frequency this weak is rounding noise of a flat area, not detail


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
        image.save(buffer, format="WEBP", quality=80, method=WEBP_METHOD)
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

    Transparency is not kept: see-through pixels are blended into the average colour first (as ThumbHash's own
    encoder blends the colour channels), so the placeholder is opaque; only its alpha channel is lost.
    """
    small = displayable(image)
    if max(small.size) > THUMBHASH_SIDE:
        scale = THUMBHASH_SIDE / max(small.size)
        size = (max(1, round(small.width * scale)), max(1, round(small.height * scale)))
        # Box filtering averages every source pixel: what a hash of the lowest frequencies wants.
        small = small.resize(size, Image.Resampling.BOX)
    rgb = np.asarray(_opaque(small.convert("RGBA")).convert("RGB"), dtype=np.float64) / 255
    return base64.b64encode(opaque_thumbhash(rgb)).decode("ascii")


def opaque_thumbhash(rgb: NDArray[np.float64]) -> bytes:
    """ThumbHash's encoder (github.com/evanw/thumbhash) for an opaque image, its DCTs as matrix products: 0.2 ms
    where thumbhash-py's pure Python took ~5 ms of the derivative step. Same bytes as thumbhash-py but where a
    coefficient falls on a rounding boundary (one step, ~1% of random images) or the image is flat (its noise)."""
    height, width, _ = rgb.shape
    red, green, blue = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    lx, ly = max(1, round(7 * width / max(width, height))), max(1, round(7 * height / max(width, height)))
    l_dc, l_ac, l_scale = _frequencies((red + green + blue) / 3, max(3, lx), max(3, ly))
    p_dc, p_ac, p_scale = _frequencies((red + green) / 2 - blue, 3, 3)
    q_dc, q_ac, q_scale = _frequencies(red - green, 3, 3)
    landscape = width > height
    header24 = round(63 * l_dc) | round(31.5 + 31.5 * p_dc) << 6 | round(31.5 + 31.5 * q_dc) << 12
    header24 |= round(31 * l_scale) << 18
    header16 = (ly if landscape else lx) | round(63 * p_scale) << 3 | round(63 * q_scale) << 9 | landscape << 15
    nibbles = [round(15 * f) for f in (*l_ac, *p_ac, *q_ac)]
    nibbles += [0] * (len(nibbles) % 2)
    pairs = [low | high << 4 for low, high in zip(nibbles[::2], nibbles[1::2])]
    return bytes([header24 & 255, header24 >> 8 & 255, header24 >> 16, header16 & 255, header16 >> 8, *pairs])


def _frequencies(channel: NDArray[np.float64], nx: int, ny: int) -> tuple[float, list[float], float]:
    """The channel's DC term, its AC terms in ThumbHash's order scaled into 0..1, and their scale."""
    height, width = channel.shape
    fx = np.cos(np.pi / width * np.outer(np.arange(nx), np.arange(width) + 0.5))
    fy = np.cos(np.pi / height * np.outer(np.arange(ny), np.arange(height) + 0.5))
    grid = fy @ channel @ fx.T / (width * height)
    grid[np.abs(grid) < _FLAT] = 0.0
    terms = [float(grid[cy, cx]) for cy in range(ny) for cx in range(nx) if cx * ny < nx * (ny - cy)]
    ac = terms[1:]
    scale = max((abs(f) for f in ac), default=0.0)
    return terms[0], [0.5 + 0.5 / scale * f for f in ac] if scale else ac, scale


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
