"""Text-to-image for the offline engine: a deterministic abstract picture drawn with Pillow from the prompt's words."""

from __future__ import annotations

import colorsys
import hashlib
import math
import random
import re

from PIL import Image, ImageDraw

from core.adapters.offline.encoding import encode
from core.adapters.offline.motifs import MOTIFS, RGB, Palette, shade
from core.adapters.offline.sizes import size_for

COLOURS: dict[str, RGB] = {
    "red": (214, 40, 40),
    "crimson": (178, 18, 52),
    "orange": (242, 128, 28),
    "yellow": (244, 208, 40),
    "gold": (212, 164, 38),
    "golden": (212, 164, 38),
    "green": (46, 156, 68),
    "teal": (0, 128, 128),
    "turquoise": (58, 198, 186),
    "cyan": (0, 196, 218),
    "blue": (38, 88, 212),
    "navy": (20, 32, 104),
    "purple": (118, 48, 162),
    "violet": (140, 78, 202),
    "magenta": (208, 38, 160),
    "pink": (240, 128, 170),
    "brown": (118, 74, 40),
    "beige": (226, 206, 170),
    "black": (16, 16, 20),
    "white": (246, 246, 242),
    "gray": (128, 128, 132),
    "grey": (128, 128, 132),
    "silver": (190, 192, 198),
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
    "sunset": (-0.06, 0.1),
    "sunrise": (-0.04, 0.12),
    "fire": (-0.03, 0.09),
    "autumn": (0.02, 0.1),
    "desert": (0.06, 0.12),
    "forest": (0.25, 0.4),
    "jungle": (0.25, 0.4),
    "grass": (0.22, 0.35),
    "ocean": (0.52, 0.64),
    "sea": (0.5, 0.62),
    "sky": (0.53, 0.62),
    "ice": (0.5, 0.58),
    "night": (0.6, 0.72),
    "space": (0.62, 0.8),
    "galaxy": (0.7, 0.85),
    "dream": (0.75, 0.92),
}
_DARK_WORDS = frozenset({"night", "dark", "midnight", "space", "galaxy", "shadow", "shadows", "moody"})
_LIGHT_WORDS = frozenset({"bright", "sunny", "pastel", "light", "soft", "airy", "morning"})
_LAYER_ORDER = ("sun", "stars", "mountains", "skyline", "waves", "stripes", "polygons", "rects", "circles")
_ABSTRACT = ("circles", "rects", "polygons", "stripes", "waves", "mountains")


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
        MOTIFS[kind](canvas, rng, width, height, attached.get(kind, palette))
    return _vignette(image, rng)


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
        names = named_colours(" ".join(words[max(0, i - 2) : i]))  # "turquoise sea", "red snowy mountains"
        if kind and names and kind not in found:
            c = COLOURS[names[-1]]
            found[kind] = Palette((c, c), tuple(shade(c, d) for d in (-0.15, -0.05, 0.05, 0.15)), shade(c, 0.15), c)
    return found


def _rng(prompt: str, seed: int, aspect_ratio: str) -> random.Random:
    # sha256, not hash(): Python salts str hashes per process, and results must survive restarts.
    digest = hashlib.sha256(f"{prompt}\x1f{seed}\x1f{aspect_ratio}".encode()).digest()
    return random.Random(int.from_bytes(digest, "big"))


def _hls(hue: float, lightness: float, saturation: float) -> RGB:
    r, g, b = colorsys.hls_to_rgb(hue % 1.0, lightness, saturation)
    return (round(r * 255), round(g * 255), round(b * 255))


def _palette(text: str, rng: random.Random) -> Palette:
    bases = [COLOURS[name] for name in named_colours(text)]
    if bases:
        # Only shades of the named colours, so the colour the user asked for dominates the picture.
        shapes = tuple(shade(c, d) for c in bases for d in (-0.2, -0.08, 0.0, 0.1, 0.18))
        second = bases[1] if len(bases) > 1 else bases[0]
        return Palette((shade(bases[0], -0.16), shade(second, 0.08)), shapes, shade(bases[0], 0.3), bases[0])
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
