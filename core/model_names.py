"""Readable names for models that have left the engine's catalogue (an engine no longer configured, a model
retired from the file), so the gallery never shows people a bare id like "kontext-pro-edit"."""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path

FAL_CATALOGUE = Path(__file__).resolve().parent.parent / "assets" / "fal_models.toml"
# The local engines' models: seen in a gallery made offline and later switched to fal, or the other way round.
KNOWN_NAMES = {
    "offline-draw": "Offline pattern engine (not AI)",
    "offline-edit": "Offline Pillow editor (not AI)",
    "fake-draw": "Fake drawing",
    "fake-edit": "Fake editor",
}


def model_name(model_id: str) -> str:
    """The name people knew the model by, or else its id made readable ("flux2-dev" → "Flux2 dev")."""
    return known_names().get(model_id) or prettified(model_id)


@cache
def known_names() -> dict[str, str]:
    """The table above with the shipped fal catalogue's labels (a model an operator since removed keeps its name)."""
    names = dict(KNOWN_NAMES)
    try:
        entries = tomllib.loads(FAL_CATALOGUE.read_text()).get("models", [])
    except (OSError, tomllib.TOMLDecodeError):
        entries = []
    names |= {str(m["id"]): str(m["label"]) for m in entries if isinstance(m, dict) and "id" in m and "label" in m}
    return names


def prettified(model_id: str) -> str:
    words = re.sub(r"^fal-ai/", "", model_id.strip())
    words = " ".join(re.split(r"[-_/\s]+", words)).strip()
    return (words[:1].upper() + words[1:]) if words else "Unknown model"
