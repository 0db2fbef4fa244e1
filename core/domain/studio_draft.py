"""The Generate page's draft as kept in the database, and its one parser: what comes back from storage is checked
value by value, and anything of the wrong type, too long, hostile or no longer offered is dropped, never raised.

A draft holds the chosen mode, the text typed in each mode, the model chosen in each mode and the settings by
their catalogue input names (core/domain/form_settings.py: aspect_ratio, num_images, output_format, seed, the
model's other inputs, and a custom size's width and height). Whether a setting suits the model is the page's
rules' to settle (form_settings.settle); the parser keeps only plain values of a sane size.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from core.domain.catalogue import GenerationKind
from core.domain.form_settings import HEIGHT, INPUT_NAMES, WIDTH
from core.stored_text import refused_characters

SETTING_NAMES = INPUT_NAMES | {WIDTH, HEIGHT}
MAX_SETTING_CHARS = 100  # a choice's name, a seed typed by hand
MAX_SETTING_NUMBER = 10**12
Setting = str | int | float | bool


@dataclass(frozen=True)
class StudioDraft:
    kind: GenerationKind | None = None
    texts: Mapping[GenerationKind, str] = field(default_factory=dict)
    models: Mapping[GenerationKind, str] = field(default_factory=dict)  # each mode's model id
    settings: Mapping[str, Setting] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind.value if self.kind else None,
            "texts": {kind.value: text for kind, text in self.texts.items()},
            "models": {kind.value: model for kind, model in self.models.items()},
            "settings": dict(self.settings),
        }


def parse_draft(raw: object, offered: Mapping[GenerationKind, set[str]], max_text_chars: int) -> StudioDraft:
    """The draft in `raw` (as stored), keeping only what is sound: a mode and models still `offered` (model ids by
    kind), texts within `max_text_chars` without refused characters, settings of a known name and a plain value."""
    data = raw if isinstance(raw, Mapping) else {}
    kind = _kind(data.get("kind"))
    texts = {
        k: text
        for k, text in _by_kind(data.get("texts")).items()
        if isinstance(text, str) and len(text) <= max_text_chars and refused_characters(text) is None
    }
    models = {k: m for k, m in _by_kind(data.get("models")).items() if isinstance(m, str) and m in offered.get(k, ())}
    raw_settings = data.get("settings")
    settings: dict[str, Setting] = {}
    if isinstance(raw_settings, Mapping):
        for name, value in raw_settings.items():
            if name in SETTING_NAMES and (plain := _setting(value)) is not None:
                settings[name] = plain
    return StudioDraft(kind if kind in offered else None, texts, models, settings)


def _kind(value: object) -> GenerationKind | None:
    try:
        return GenerationKind(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _by_kind(value: object) -> dict[GenerationKind, object]:
    if not isinstance(value, Mapping):
        return {}
    found: dict[GenerationKind, object] = {}
    for key, item in value.items():
        if (kind := _kind(key)) is not None:
            found[kind] = item
    return found


def _setting(value: object) -> Setting | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if abs(value) <= MAX_SETTING_NUMBER else None
    if isinstance(value, float):
        return value if math.isfinite(value) and abs(value) <= MAX_SETTING_NUMBER else None
    if (
        isinstance(value, str)
        and len(value) <= MAX_SETTING_CHARS
        and refused_characters(value, multiline=False) is None
    ):
        return value
    return None
