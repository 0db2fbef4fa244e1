"""A justified image grid (a custom component): tiles that keep each picture's shape, quick actions,
placeholder tiles for images still being made, and arrow keys for a viewer. Its HTML, CSS and JS
live next to this file and are read once, at import."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

ACTIONS: tuple[str, ...] = ("open", "download", "reuse", "edit", "delete")
KEYS = ("ArrowLeft", "ArrowRight", "Escape")
_ASSETS = Path(__file__).parent


@dataclass(frozen=True)
class GridItem:
    id: str  # e.g. "42" for image 42, "job-<genid>-<n>" for a placeholder
    src: str  # relative URL ("" for a placeholder)
    alt: str  # non-empty, built from the prompt
    width: int  # natural size, or the requested shape for a placeholder
    height: int
    label: str = ""  # with src == "": a placeholder tile showing this text ("Running 40% · 12 s")
    download_url: str = ""  # the "Download" quick action: a plain <a download>, no Python round trip
    actions: tuple[str, ...] = ACTIONS

    def __post_init__(self) -> None:
        if not self.alt.strip():
            raise ValueError(f"Grid item {self.id!r} needs alt text")
        if unknown := set(self.actions) - set(ACTIONS):
            raise ValueError(f"Unknown grid actions: {sorted(unknown)}")

    @property
    def placeholder(self) -> bool:
        return not self.src and bool(self.label)


_component = st.components.v2.component(
    "atelier_image_grid",
    html=(_ASSETS / "grid.html").read_text(),
    css=(_ASSETS / "grid.css").read_text(),
    js=(_ASSETS / "grid.js").read_text(),
)


def image_grid(
    items: list[GridItem],
    *,
    key: str,
    row_height: int = 220,
    on_open: Callable[[str], None] | None = None,
    on_action: Callable[[str, str], None] | None = None,
    on_key: Callable[[str], None] | None = None,
) -> None:
    """Draw the grid. The callbacks run before the next script run, like any widget's: `on_open(id)` for a
    click on a tile, `on_action(id, action)` for a quick action other than Download (without on_action, Open goes to on_open), `on_key(key)` for
    ArrowLeft / ArrowRight / Escape pressed anywhere outside a text field (only listened for with on_key)."""

    def opened() -> None:
        value = _trigger(key, "open")
        if on_open is not None and isinstance(value, str):
            on_open(value)

    def acted() -> None:
        value = _trigger(key, "action")
        if not isinstance(value, dict) or value.get("action") not in ACTIONS:
            return
        image_id, action = str(value.get("id")), str(value["action"])
        if on_action is not None:
            on_action(image_id, action)
        elif action == "open" and on_open is not None:  # the Open quick action is the tile's own click
            on_open(image_id)

    def pressed() -> None:
        value = _trigger(key, "key")
        if on_key is not None and value in KEYS:
            on_key(str(value))

    _component(
        key=key,
        data={"items": [_payload(item) for item in items], "row_height": row_height, "keys": on_key is not None},
        width="stretch",
        on_open_change=opened,
        on_action_change=acted,
        on_key_change=pressed,
    )


def _trigger(key: str, name: str) -> Any:
    state = st.session_state.get(key)
    return state.get(name) if state is not None else None


def _payload(item: GridItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "src": item.src,
        "alt": item.alt,
        "width": item.width,
        "height": item.height,
        "label": item.label,
        "download_url": item.download_url,
        "actions": list(item.actions),
    }
