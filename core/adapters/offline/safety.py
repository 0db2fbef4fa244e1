"""The offline engine's safety check: a short, fixed word list, not a model.

It exists so that withholding an image, asking a person to review it, and releasing or confirming the block
can all be tried on a machine with no network. A prompt (or edit instruction) containing any listed word, as a
whole word in any letter case, has every image it makes withheld; the images are still drawn and handed over
flagged, as fal.ai does, so the app can keep them for a person to review.
"""

from __future__ import annotations

import re

FLAGGED_WORDS: tuple[str, ...] = ("nsfw", "nude", "naked", "gore")
NOTE = (
    "The offline engine's safety check is a word list, not a model: a prompt containing "
    + ", ".join(f"*{word}*" for word in FLAGGED_WORDS)
    + " has its images withheld."
)
_WORD = re.compile(r"\w+")


def flags(prompt: str) -> bool:
    """Whether the prompt holds a listed word (whole words only: "gorge" and "denude" pass)."""
    return any(word in FLAGGED_WORDS for word in _WORD.findall(prompt.casefold()))
