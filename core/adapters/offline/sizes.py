"""Output pixel size for each aspect ratio the offline engine draws: about one megapixel, multiples of 16."""

from __future__ import annotations

# Chosen so that width / height is the exact ratio wherever a multiple-of-16 pair allows it
# (21:9 is 7:3 and every pair here is exact), and the area stays between 0.92 and 1.05 megapixels.
_LANDSCAPE: dict[str, tuple[int, int]] = {
    "21:9": (1568, 672),
    "16:9": (1280, 720),
    "4:3": (1152, 864),
    "3:2": (1248, 832),
    "1:1": (1024, 1024),
}

SIZES: dict[str, tuple[int, int]] = {
    **_LANDSCAPE,
    **{f"{h}:{w}": (ph, pw) for (ratio, (pw, ph)) in _LANDSCAPE.items() for (w, h) in [ratio.split(":")]},
}


def size_for(aspect_ratio: str) -> tuple[int, int]:
    """Width and height in pixels; raises KeyError for a ratio the engine does not draw."""
    return SIZES[aspect_ratio]


def ratio_value(aspect_ratio: str) -> float:
    """The ratio as a number, e.g. "16:9" -> 1.777…"""
    w, h = aspect_ratio.split(":")
    return int(w) / int(h)
