"""A justified image grid (a custom component): tiles that keep each picture's shape, quick actions,
placeholder tiles for images still being made, arrow keys for a viewer, ThumbHash placeholders while
pictures load, favourite stars, captions with marked search matches, and a selection mode. Its HTML,
CSS and JS live next to this file and are read once, at import."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

ACTIONS: tuple[str, ...] = ("open", "download", "reuse", "edit", "delete")  # the quick actions a tile offers by default
VARY = "vary"  # new images from the same settings: offered where a page handles it (the Generate page's feed)
STAR = "star"  # the action on_action receives for a click on a tile's star
KEYS = ("ArrowLeft", "ArrowRight", "Escape")
_ASSETS = Path(__file__).parent
_TRIGGERED = (*ACTIONS, VARY, STAR)


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
    thumbhash: str = ""  # base64 ThumbHash (core.images.thumbhash_of): drawn blurred until the picture loads
    starred: bool | None = None  # None: no star; True/False: a favourite toggle, reported as on_action(id, STAR)
    caption: tuple[tuple[str, bool], ...] = ()  # text under the picture; segments marked True are search matches

    def __post_init__(self) -> None:
        if not self.alt.strip():
            raise ValueError(f"Grid item {self.id!r} needs alt text")
        if unknown := set(self.actions) - {*ACTIONS, VARY}:
            raise ValueError(f"Unknown grid actions: {sorted(unknown)}")

    @property
    def placeholder(self) -> bool:
        return not self.src and bool(self.label)


# One ES module: the vendored ThumbHash decoder first, then the grid, which calls thumbHashToDataURL.
_component = st.components.v2.component(
    "atelier_image_grid",
    html=(_ASSETS / "grid.html").read_text(),
    css=(_ASSETS / "grid.css").read_text(),
    js=(_ASSETS / "thumbhash.js").read_text() + "\n" + (_ASSETS / "grid.js").read_text(),
)


def image_grid(
    items: list[GridItem],
    *,
    key: str,
    row_height: int = 220,
    on_open: Callable[[str], None] | None = None,
    on_action: Callable[[str, str], None] | None = None,
    on_key: Callable[[str], None] | None = None,
    selectable: bool = False,
    selected: frozenset[str] | set[str] = frozenset(),
    on_select: Callable[[list[str]], None] | None = None,
) -> None:
    """Draw the grid. The callbacks run before the next script run, like any widget's: `on_open(id)` for a
    click on a tile, `on_action(id, action)` for a quick action other than Download or for a star (STAR;
    without on_action, Open goes to on_open), `on_key(key)` for ArrowLeft / ArrowRight / Escape pressed
    anywhere outside a text field (only listened for with on_key).

    With `selectable`, a click, Space or Enter on a tile toggles it instead of opening it, and
    `on_select(ids)` gets every selected id. `selected` is the truth: each run's value replaces what the
    browser shows, so a "Select all" or "Clear" done in Python shows at once."""
    seen_key = f"{key}.select_seen"

    def opened() -> None:
        value = _trigger(key, "open")
        if on_open is not None and isinstance(value, str):
            on_open(value)

    def acted() -> None:
        value = _trigger(key, "action")
        if not isinstance(value, dict) or value.get("action") not in _TRIGGERED:
            return
        image_id, action = str(value.get("id")), str(value["action"])
        if on_action is not None:
            on_action(image_id, action)
        elif action == "open" and on_open is not None:  # the Open quick action is the tile's own click
            on_open(image_id)

    def chose() -> None:
        value = _trigger(key, "select")
        if not isinstance(value, dict) or not isinstance(value.get("ids"), list):
            return
        # The browser numbers its toggles; the ones Python has seen are no longer replayed over `selected`.
        seq = value.get("seq")
        st.session_state[seen_key] = seq if isinstance(seq, int | float) else 0
        if on_select is not None:
            on_select([str(image_id) for image_id in value["ids"]])

    def pressed() -> None:
        value = _trigger(key, "key")
        if on_key is not None and value in KEYS:
            on_key(str(value))

    _component(
        key=key,
        data={
            "items": [_payload(item) for item in items],
            "row_height": row_height,
            "keys": on_key is not None,
            "selectable": selectable,
            "selected": sorted(selected) if selectable else [],
            "select_seen": st.session_state.get(seen_key, 0) if selectable else 0,
        },
        width="stretch",
        on_open_change=opened,
        on_action_change=acted,
        on_select_change=chose,
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
        "thumbhash": item.thumbhash,
        "starred": item.starred,
        "caption": [[str(text), bool(hit)] for text, hit in item.caption],
    }
