"""The offline engine's "make more from an image": a subtle seeded variation, a 2× upscale and a region fill.

Not AI: a variation shifts hue, light and contrast a little and lays a faint seeded grain over the picture; an upscale
resamples with Lanczos; a fill paints the masked region with the picture the prompt would draw, feathered at its edge.
Each is deterministic for its inputs and seed.
"""

from __future__ import annotations

import io
import random

from PIL import Image, ImageChops, ImageEnhance, ImageFilter, UnidentifiedImageError

from core.adapters.offline import composition
from core.errors import EngineInputError

_GRAIN_TILE = 96  # the grain is drawn this size and scaled up: soft mottling, not pixel noise
_GRAIN_STRENGTH = 0.04  # how much of the grain shows through
_MAX_HUE_SHIFT = 5  # of 256 steps round the colour wheel (about 7°)


def subtle_variation(image: Image.Image, seed: int) -> Image.Image:
    """The same picture, slightly different: a small hue turn, a touch more or less light and contrast, and a faint
    grain, all chosen by `seed`. RGB in, RGB out, same size."""
    rng = random.Random(seed)
    rgb = image.convert("RGB")
    shift = rng.choice((-1, 1)) * rng.randint(2, _MAX_HUE_SHIFT)
    hue, saturation, value = rgb.convert("HSV").split()
    hue = hue.point([(v + shift) % 256 for v in range(256)])
    varied = Image.merge("HSV", (hue, saturation, value)).convert("RGB")
    varied = ImageEnhance.Brightness(varied).enhance(rng.uniform(0.95, 1.05))
    varied = ImageEnhance.Contrast(varied).enhance(rng.uniform(0.94, 1.06))
    return Image.blend(varied, _grain(rng, varied.size), _GRAIN_STRENGTH)


def _grain(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    tile = Image.frombytes("RGB", (_GRAIN_TILE, _GRAIN_TILE), rng.randbytes(_GRAIN_TILE * _GRAIN_TILE * 3))
    return tile.resize(size, Image.Resampling.BICUBIC)


def upscale(image: Image.Image, factor: int) -> Image.Image:
    """`factor` times as wide and as high, resampled with Lanczos (sharp edges, no blocky pixels)."""
    width, height = image.size
    mode = "RGBA" if image.mode in ("RGBA", "LA", "PA") else "RGB"
    return image.convert(mode).resize((width * factor, height * factor), Image.Resampling.LANCZOS)


def fill(image: Image.Image, mask: Image.Image, prompt: str, seed: int, aspect_ratio: str) -> Image.Image:
    """The picture with the white part of `mask` painted anew from `prompt` (as the offline engine draws a prompt),
    blended into the rest over a feathered edge. Black in the mask is kept as it was."""
    source = image.convert("RGB")
    painted = composition.draw(prompt, seed, aspect_ratio).resize(source.size, Image.Resampling.LANCZOS)
    region = mask.convert("L")
    if region.size != source.size:
        region = region.resize(source.size, Image.Resampling.BILINEAR)
    feather = max(1.0, min(source.size) / 200)
    soft = ImageChops.darker(region.filter(ImageFilter.GaussianBlur(feather)), region.filter(ImageFilter.MaxFilter(3)))
    return Image.composite(painted, source, soft)


def open_mask(data: bytes) -> Image.Image:
    try:
        mask = Image.open(io.BytesIO(data))
        mask.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise EngineInputError("The painted region could not be read. Paint it again and try once more.") from exc
    return mask.convert("L")
