"""The shapes the offline engine can draw (sun, stars, mountains, waves, skyline, stripes, polygons, rectangles, circles)."""

from __future__ import annotations

import colorsys
import math
import random
from collections.abc import Callable
from dataclasses import dataclass

from PIL import ImageDraw

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Palette:
    background: tuple[RGB, RGB]
    shapes: tuple[RGB, ...]
    light: RGB
    main: RGB  # the leading colour, used for scenery so the scene reads as one colour


def shade(colour: RGB, lightness_shift: float) -> RGB:
    hue, lightness, saturation = colorsys.rgb_to_hls(*(c / 255 for c in colour))
    r, g, b = colorsys.hls_to_rgb(hue, min(0.92, max(0.06, lightness + lightness_shift)), saturation)
    return (round(r * 255), round(g * 255), round(b * 255))


Motif = Callable[[ImageDraw.ImageDraw, random.Random, int, int, Palette], None]


def _fill(rng: random.Random, palette: Palette, alpha: tuple[int, int] = (150, 230)) -> tuple[int, int, int, int]:
    return (*rng.choice(palette.shapes), rng.randint(*alpha))


def _sun(canvas: ImageDraw.ImageDraw, rng: random.Random, w: int, h: int, palette: Palette) -> None:
    radius = rng.uniform(0.1, 0.16) * min(w, h)
    cx, cy = rng.uniform(0.25, 0.75) * w, rng.uniform(0.18, 0.4) * h
    for ring in range(6, 0, -1):  # a soft halo: wide faint discs under the sun
        r = radius * (1 + 0.18 * ring)
        canvas.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(*palette.light, 22))
    canvas.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=(*palette.light, 235))


def _stars(canvas: ImageDraw.ImageDraw, rng: random.Random, w: int, h: int, palette: Palette) -> None:
    for _ in range(rng.randint(60, 140)):
        x, y, r = rng.uniform(0, w), rng.uniform(0, h * 0.75), rng.uniform(0.8, 2.6)
        canvas.ellipse((x - r, y - r, x + r, y + r), fill=(*palette.light, rng.randint(120, 255)))
    for _ in range(rng.randint(3, 7)):
        x, y, r = rng.uniform(0, w), rng.uniform(0, h * 0.6), rng.uniform(8, 18)
        points = [
            (x, y - r),
            (x + r / 5, y - r / 5),
            (x + r, y),
            (x + r / 5, y + r / 5),
            (x, y + r),
            (x - r / 5, y + r / 5),
            (x - r, y),
            (x - r / 5, y - r / 5),
        ]
        canvas.polygon(points, fill=(*palette.light, 230))


def _ridge(rng: random.Random, w: int, base: float, spread: float, steps: int) -> list[tuple[float, float]]:
    # Alternating high and low points make peaks and valleys rather than a lumpy line.
    xs = [w * (i + rng.uniform(-0.3, 0.3)) / steps for i in range(steps + 1)]
    return [
        (x, base - (rng.uniform(0.55, 1.0) if i % 2 else rng.uniform(0.0, 0.35)) * spread) for i, x in enumerate(xs)
    ]


def _mountains(canvas: ImageDraw.ImageDraw, rng: random.Random, w: int, h: int, palette: Palette) -> None:
    layers, rock = rng.randint(2, 4), palette.main
    for layer in range(layers):  # far ranges are paler, as haze makes them in real landscapes
        base = h * (0.62 + 0.1 * layer)
        ridge = _ridge(rng, w, base, h * (0.35 - 0.06 * layer), rng.randint(4, 9))
        colour = shade(rock, 0.2 - 0.13 * layer)
        canvas.polygon(
            [(-w * 0.05, ridge[0][1]), *ridge, (w * 1.05, ridge[-1][1]), (w, h), (0, h)], fill=(*colour, 240)
        )


def _waves(canvas: ImageDraw.ImageDraw, rng: random.Random, w: int, h: int, palette: Palette) -> None:
    for band in range(rng.randint(3, 5)):
        base = h * (0.55 + 0.1 * band)
        amp, freq, phase = h * rng.uniform(0.015, 0.05), rng.uniform(1.5, 4.0), rng.uniform(0, 6.3)
        crest = [(x, base + amp * math.sin(freq * 2 * math.pi * x / w + phase)) for x in range(0, w + 16, 16)]
        colour = shade(palette.main, 0.14 - 0.08 * band + rng.uniform(-0.03, 0.03))
        canvas.polygon([*crest, (w, h), (0, h)], fill=(*colour, 210))


def _skyline(canvas: ImageDraw.ImageDraw, rng: random.Random, w: int, h: int, palette: Palette) -> None:
    x = 0.0
    while x < w:
        bw, bh = rng.uniform(0.05, 0.12) * w, rng.uniform(0.2, 0.55) * h
        colour = shade(rng.choice(palette.shapes), -0.15)
        canvas.rectangle((x, h - bh, x + bw, h), fill=(*colour, 240))
        for wy in range(int(h - bh + 12), h - 12, 22):  # lit windows
            if rng.random() < 0.5:
                canvas.rectangle((x + bw * 0.3, wy, x + bw * 0.45, wy + 8), fill=(*palette.light, 200))
        x += bw + rng.uniform(0, 0.02) * w


def _stripes(canvas: ImageDraw.ImageDraw, rng: random.Random, w: int, h: int, palette: Palette) -> None:
    angle = rng.choice([0.0, 90.0, 45.0, -45.0, rng.uniform(0, 180)])
    dx, dy = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    reach, count = math.hypot(w, h), rng.randint(6, 14)
    for i in range(count):
        offset = (i / count - 0.5) * reach * 1.2
        cx, cy = w / 2 - dy * offset, h / 2 + dx * offset
        width = int(rng.uniform(0.01, 0.05) * min(w, h))
        canvas.line(
            (cx - dx * reach, cy - dy * reach, cx + dx * reach, cy + dy * reach),
            fill=_fill(rng, palette, (110, 200)),
            width=width,
        )


def _polygons(canvas: ImageDraw.ImageDraw, rng: random.Random, w: int, h: int, palette: Palette) -> None:
    for _ in range(rng.randint(4, 8)):
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(0.08, 0.3) * min(w, h)
        sides, turn = rng.randint(3, 6), rng.uniform(0, 2 * math.pi)
        points = [
            (cx + r * math.cos(turn + 2 * math.pi * k / sides), cy + r * math.sin(turn + 2 * math.pi * k / sides))
            for k in range(sides)
        ]
        canvas.polygon(points, fill=_fill(rng, palette))


def _rects(canvas: ImageDraw.ImageDraw, rng: random.Random, w: int, h: int, palette: Palette) -> None:
    side = rng.uniform(0.3, 0.45) * min(w, h)  # one hero square, then smaller blocks around it
    cx, cy = rng.uniform(0.35, 0.65) * w, rng.uniform(0.35, 0.65) * h
    canvas.rounded_rectangle((cx - side, cy - side, cx + side, cy + side), radius=side * 0.06, fill=_fill(rng, palette))
    for _ in range(rng.randint(3, 7)):
        x, y = rng.uniform(-0.1, 0.9) * w, rng.uniform(-0.1, 0.9) * h
        bw, bh = rng.uniform(0.08, 0.35) * w, rng.uniform(0.08, 0.35) * h
        canvas.rectangle((x, y, x + bw, y + bh), fill=_fill(rng, palette, (120, 210)))


def _circles(canvas: ImageDraw.ImageDraw, rng: random.Random, w: int, h: int, palette: Palette) -> None:
    for _ in range(rng.randint(4, 9)):
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(0.04, 0.22) * min(w, h)
        if rng.random() < 0.25:
            canvas.ellipse((cx - r, cy - r, cx + r, cy + r), outline=_fill(rng, palette), width=max(2, int(r / 8)))
        else:
            canvas.ellipse((cx - r, cy - r, cx + r, cy + r), fill=_fill(rng, palette))


MOTIFS: dict[str, Motif] = {
    "sun": _sun,
    "stars": _stars,
    "mountains": _mountains,
    "waves": _waves,
    "skyline": _skyline,
    "stripes": _stripes,
    "polygons": _polygons,
    "rects": _rects,
    "circles": _circles,
}
