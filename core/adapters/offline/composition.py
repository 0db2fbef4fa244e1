"""Text-to-image for the offline engine: a deterministic abstract picture drawn with Pillow from the prompt's words."""
from __future__ import annotations

import colorsys
import hashlib
import io
import math
import random
import re
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image, ImageDraw

from core.adapters.offline.sizes import size_for

RGB = tuple[int, int, int]
Motif = Callable[[ImageDraw.ImageDraw, random.Random, int, int, "Palette"], None]

COLOURS: dict[str, RGB] = {
    "red": (214, 40, 40), "crimson": (178, 18, 52), "orange": (242, 128, 28),
    "yellow": (244, 208, 40), "gold": (212, 164, 38), "golden": (212, 164, 38),
    "green": (46, 156, 68), "teal": (0, 128, 128), "turquoise": (58, 198, 186),
    "cyan": (0, 196, 218), "blue": (38, 88, 212), "navy": (20, 32, 104),
    "purple": (118, 48, 162), "violet": (140, 78, 202), "magenta": (208, 38, 160),
    "pink": (240, 128, 170), "brown": (118, 74, 40), "beige": (226, 206, 170),
    "black": (16, 16, 20), "white": (246, 246, 242), "gray": (128, 128, 132),
    "grey": (128, 128, 132), "silver": (190, 192, 198),
}
_COLOUR_WORD = re.compile(r"\b(" + "|".join(COLOURS) + r")s?\b")

# Words that choose what is drawn; a prompt with none of them gets a random mix.
_MOTIF_WORDS: dict[str, tuple[str, ...]] = {
    "sun": ("sun", "sunset", "sunrise", "moon"),
    "stars": ("star", "stars", "night", "space", "galaxy", "sparkle"),
    "mountains": ("mountain", "mountains", "peak", "peaks", "hill", "hills", "alps"),
    "waves": ("wave", "waves", "ocean", "sea", "water", "river", "lake", "beach"),
    "skyline": ("city", "building", "buildings", "skyline", "tower", "towers", "town"),
    "circles": ("circle", "circles", "ball", "balls", "bubble", "bubbles", "dot", "dots", "orb", "planet"),
    "rects": ("square", "squares", "box", "boxes", "rectangle", "rectangles", "block", "blocks", "grid"),
    "polygons": ("triangle", "triangles", "polygon", "polygons", "crystal", "shard", "shards", "pyramid"),
    "stripes": ("stripe", "stripes", "striped", "line", "lines", "rain"),
}
# Scenery first, so foreground shapes are drawn over it.
# Mood words steer the hue (a range on the colour wheel) or the lightness when no colour is named.
_HUE_HINTS: dict[str, tuple[float, float]] = {
    "sunset": (-0.06, 0.1), "sunrise": (-0.04, 0.12), "fire": (-0.03, 0.09), "autumn": (0.02, 0.1),
    "desert": (0.06, 0.12), "forest": (0.25, 0.4), "jungle": (0.25, 0.4), "grass": (0.22, 0.35),
    "ocean": (0.52, 0.64), "sea": (0.5, 0.62), "sky": (0.53, 0.62), "ice": (0.5, 0.58),
    "night": (0.6, 0.72), "space": (0.62, 0.8), "galaxy": (0.7, 0.85), "dream": (0.75, 0.92),
}
_DARK_WORDS = frozenset({"night", "dark", "midnight", "space", "galaxy", "shadow", "shadows", "moody"})
_LIGHT_WORDS = frozenset({"bright", "sunny", "pastel", "light", "soft", "airy", "morning"})
_LAYER_ORDER = ("sun", "stars", "mountains", "skyline", "waves", "stripes", "polygons", "rects", "circles")
_ABSTRACT = ("circles", "rects", "polygons", "stripes", "waves", "mountains")


@dataclass(frozen=True)
class Palette:
    background: tuple[RGB, RGB]
    shapes: tuple[RGB, ...]
    light: RGB
    main: RGB  # the leading colour, used for scenery so the scene reads as one colour


def render(prompt: str, seed: int, aspect_ratio: str, output_format: str) -> bytes:
    """The picture for this prompt, seed and ratio, encoded as "jpeg" or "png". Same inputs, same bytes."""
    return encode(draw(prompt, seed, aspect_ratio), output_format)


def draw(prompt: str, seed: int, aspect_ratio: str) -> Image.Image:
    width, height = size_for(aspect_ratio)
    rng = _rng(prompt, seed, aspect_ratio)
    text = prompt.lower()
    palette = _palette(text, rng)
    image = _background(width, height, palette, rng)
    canvas = ImageDraw.Draw(image, "RGBA")
    attached = _attached_colours(text)
    for kind in _motifs(text, rng):
        _MOTIFS[kind](canvas, rng, width, height, attached.get(kind, palette))
    return _vignette(image, rng)


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


def named_colours(prompt: str) -> list[str]:
    """Colour words in the prompt, in order, without repeats ("grey" and "gray" count once)."""
    found: list[str] = []
    for match in _COLOUR_WORD.finditer(prompt.lower()):
        name = {"grey": "gray", "golden": "gold"}.get(match.group(1), match.group(1))
        if name not in found:
            found.append(name)
    return found


def _attached_colours(text: str) -> dict[str, Palette]:
    """Motifs given their own colour, as in "a golden sun over a turquoise sea"."""
    words, found = re.findall(r"[a-z]+", text), {}
    for i, word in enumerate(words):
        kind = next((k for k, triggers in _MOTIF_WORDS.items() if word in triggers), None)
        names = named_colours(" ".join(words[max(0, i - 2):i]))  # "turquoise sea", "red snowy mountains"
        if kind and names and kind not in found:
            c = COLOURS[names[-1]]
            found[kind] = Palette((c, c), tuple(_shade(c, d) for d in (-0.15, -0.05, 0.05, 0.15)), _shade(c, 0.15), c)
    return found


def _rng(prompt: str, seed: int, aspect_ratio: str) -> random.Random:
    # sha256, not hash(): Python salts str hashes per process, and results must survive restarts.
    digest = hashlib.sha256(f"{prompt}\x1f{seed}\x1f{aspect_ratio}".encode()).digest()
    return random.Random(int.from_bytes(digest, "big"))


def _shade(colour: RGB, lightness_shift: float) -> RGB:
    hue, lightness, saturation = colorsys.rgb_to_hls(*(c / 255 for c in colour))
    r, g, b = colorsys.hls_to_rgb(hue, min(0.92, max(0.06, lightness + lightness_shift)), saturation)
    return (round(r * 255), round(g * 255), round(b * 255))


def _hls(hue: float, lightness: float, saturation: float) -> RGB:
    r, g, b = colorsys.hls_to_rgb(hue % 1.0, lightness, saturation)
    return (round(r * 255), round(g * 255), round(b * 255))


def _palette(text: str, rng: random.Random) -> Palette:
    bases = [COLOURS[name] for name in named_colours(text)]
    if bases:
        # Only shades of the named colours, so the colour the user asked for dominates the picture.
        shapes = tuple(_shade(c, d) for c in bases for d in (-0.2, -0.08, 0.0, 0.1, 0.18))
        second = bases[1] if len(bases) > 1 else bases[0]
        return Palette((_shade(bases[0], -0.16), _shade(second, 0.08)), shapes, _shade(bases[0], 0.3), bases[0])
    words = set(re.findall(r"[a-z]+", text))
    hints = [_HUE_HINTS[w] for w in sorted(words) if w in _HUE_HINTS]
    hue = rng.uniform(*rng.choice(hints)) if hints else rng.random()
    mood = -0.12 if words & _DARK_WORDS else 0.1 if words & _LIGHT_WORDS else 0.0
    offsets = rng.choice([(0.0, 0.07, -0.07), (0.0, 0.5, 0.04), (0.0, 1 / 3, 2 / 3), (0.0, 0.42, 0.58)])
    sat = rng.uniform(0.4, 0.72)
    shapes = tuple(_hls(hue + o, rng.uniform(0.35, 0.7) + mood / 2, sat) for o in offsets for _ in range(2))
    # The background stays near one hue; contrasting hues are left to the shapes.
    drift = rng.uniform(-0.08, 0.08)
    background = (_hls(hue, rng.uniform(0.14, 0.3) + mood, sat), _hls(hue + drift, rng.uniform(0.55, 0.72) + mood, sat))
    return Palette(background, shapes, _hls(hue, 0.9, 0.4), shapes[0])


def _background(width: int, height: int, palette: Palette, rng: random.Random) -> Image.Image:
    # Gradients are made at 256 px and scaled up: Pillow does the pixel work in C, not Python loops.
    if rng.random() < 0.65:
        mask = Image.linear_gradient("L").rotate(rng.uniform(0, 360), resample=Image.Resampling.BILINEAR)
        inner = 256 / math.sqrt(2)  # the rotated square always covers this centre region
        side_w, side_h = (inner, inner * height / width) if width >= height else (inner * width / height, inner)
        left, top = (256 - side_w) / 2, (256 - side_h) / 2
        mask = mask.resize((width, height), Image.Resampling.BILINEAR, box=(left, top, left + side_w, top + side_h))
    else:
        cx, cy = rng.uniform(0.2, 0.8), rng.uniform(0.2, 0.8)
        radial = Image.radial_gradient("L")
        box = (128 - 128 * cx, 128 - 128 * cy, 256 - 128 * cx, 256 - 128 * cy)
        mask = radial.resize((width, height), Image.Resampling.BILINEAR, box=box)
    dark, light = palette.background
    return Image.composite(Image.new("RGB", (width, height), dark), Image.new("RGB", (width, height), light), mask)


def _vignette(image: Image.Image, rng: random.Random) -> Image.Image:
    strength = rng.uniform(0.18, 0.32)
    mask = Image.radial_gradient("L").resize(image.size, Image.Resampling.BILINEAR, box=(24, 24, 232, 232))
    mask = mask.point([round(255 * strength * (v / 255) ** 2.2) for v in range(256)])
    return Image.composite(Image.new("RGB", image.size, (0, 0, 0)), image, mask)


def _motifs(text: str, rng: random.Random) -> list[str]:
    words = set(re.findall(r"[a-z]+", text))
    chosen = {kind for kind, triggers in _MOTIF_WORDS.items() if words.intersection(triggers)}
    if not chosen:
        chosen = set(rng.sample(_ABSTRACT, rng.randint(2, 3)))
    return [kind for kind in _LAYER_ORDER if kind in chosen]


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
        points = [(x, y - r), (x + r / 5, y - r / 5), (x + r, y), (x + r / 5, y + r / 5),
                  (x, y + r), (x - r / 5, y + r / 5), (x - r, y), (x - r / 5, y - r / 5)]
        canvas.polygon(points, fill=(*palette.light, 230))


def _ridge(rng: random.Random, w: int, base: float, spread: float, steps: int) -> list[tuple[float, float]]:
    # Alternating high and low points make peaks and valleys rather than a lumpy line.
    xs = [w * (i + rng.uniform(-0.3, 0.3)) / steps for i in range(steps + 1)]
    return [(x, base - (rng.uniform(0.55, 1.0) if i % 2 else rng.uniform(0.0, 0.35)) * spread)
            for i, x in enumerate(xs)]


def _mountains(canvas: ImageDraw.ImageDraw, rng: random.Random, w: int, h: int, palette: Palette) -> None:
    layers, rock = rng.randint(2, 4), palette.main
    for layer in range(layers):  # far ranges are paler, as haze makes them in real landscapes
        base = h * (0.62 + 0.1 * layer)
        ridge = _ridge(rng, w, base, h * (0.35 - 0.06 * layer), rng.randint(4, 9))
        colour = _shade(rock, 0.2 - 0.13 * layer)
        canvas.polygon([(-w * 0.05, ridge[0][1]), *ridge, (w * 1.05, ridge[-1][1]), (w, h), (0, h)], fill=(*colour, 240))


def _waves(canvas: ImageDraw.ImageDraw, rng: random.Random, w: int, h: int, palette: Palette) -> None:
    for band in range(rng.randint(3, 5)):
        base = h * (0.55 + 0.1 * band)
        amp, freq, phase = h * rng.uniform(0.015, 0.05), rng.uniform(1.5, 4.0), rng.uniform(0, 6.3)
        crest = [(x, base + amp * math.sin(freq * 2 * math.pi * x / w + phase)) for x in range(0, w + 16, 16)]
        colour = _shade(palette.main, 0.14 - 0.08 * band + rng.uniform(-0.03, 0.03))
        canvas.polygon([*crest, (w, h), (0, h)], fill=(*colour, 210))


def _skyline(canvas: ImageDraw.ImageDraw, rng: random.Random, w: int, h: int, palette: Palette) -> None:
    x = 0.0
    while x < w:
        bw, bh = rng.uniform(0.05, 0.12) * w, rng.uniform(0.2, 0.55) * h
        colour = _shade(rng.choice(palette.shapes), -0.15)
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
        canvas.line((cx - dx * reach, cy - dy * reach, cx + dx * reach, cy + dy * reach),
                    fill=_fill(rng, palette, (110, 200)), width=width)


def _polygons(canvas: ImageDraw.ImageDraw, rng: random.Random, w: int, h: int, palette: Palette) -> None:
    for _ in range(rng.randint(4, 8)):
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(0.08, 0.3) * min(w, h)
        sides, turn = rng.randint(3, 6), rng.uniform(0, 2 * math.pi)
        points = [(cx + r * math.cos(turn + 2 * math.pi * k / sides), cy + r * math.sin(turn + 2 * math.pi * k / sides))
                  for k in range(sides)]
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


_MOTIFS: dict[str, Motif] = {
    "sun": _sun, "stars": _stars, "mountains": _mountains, "waves": _waves, "skyline": _skyline,
    "stripes": _stripes, "polygons": _polygons, "rects": _rects, "circles": _circles,
}
