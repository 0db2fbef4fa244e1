"""Small wording helpers for messages people read."""

from __future__ import annotations


def plural(count: int, noun: str) -> str:
    """'1 credit', '2 credits', '0 images', '2,500 credits'."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"
