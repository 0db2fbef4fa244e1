"""Small wording helpers for messages people read."""

from __future__ import annotations

import math

MIB = 1024 * 1024


def plural(count: int, noun: str) -> str:
    """'1 credit', '2 credits', '0 images', '2,500 credits'."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def size_text(size: int, limit: int, *, round_up: bool) -> str:
    """In the limit's unit (MB from 1 MB up, else KB), so the file and the limit read in one unit.

    Round the file up and the limit down, so a file just over the limit never reads as equal to it.
    """
    unit, divisor = ("MB", MIB) if limit >= MIB else ("KB", 1024)
    tenths = size * 10 / divisor
    whole_tenths = math.ceil(tenths) if round_up else math.floor(tenths)
    number = f"{whole_tenths // 10:,}" if whole_tenths % 10 == 0 else f"{whole_tenths / 10:,.1f}"
    return f"{number} {unit}"


def megapixels_text(pixels: int, *, round_up: bool) -> str:
    """Three significant digits (whole numbers from 100 up), rounded up for an image and down for a
    limit, so an image just over the limit never reads as equal to it."""
    decimals = max(0, 9 - len(str(pixels)))
    scaled, rest = divmod(pixels * 10**decimals, 1_000_000)
    scaled += 1 if round_up and rest else 0
    whole, fraction = divmod(scaled, 10**decimals)
    return f"{whole:,}" + f".{fraction:0{decimals}d}".rstrip("0").rstrip(".") if decimals else f"{whole:,}"
