"""The prompt lab's X/Y grid (a custom component): a real table of generated pictures, one column per X value and
one row per Y value, each cell a button that opens its picture, or, while picking, chooses up to two of them to
compare. Its HTML, CSS and JS live next to this file and are read once, at import."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

MAX_PICKS = 2  # a pick is for a side-by-side comparison; a third click drops the oldest pick
_ASSETS = Path(__file__).parent


@dataclass(frozen=True)
class LabTile:
    id: str  # the cell's id, e.g. "17"
    src: str  # a relative thumbnail URL; "" while not ready
    alt: str  # non-empty, built from the cell's prompt and settings
    label: str = ""  # shown instead of a picture when src == "": "Queued", "Running 40%", "Failed", "Canceled"
    badge: str = ""  # small text over the picture's corner, e.g. "★4 · 👍"; "" for none
    winner: bool = False  # the row's winner: a visible, labelled mark (not colour alone)

    def __post_init__(self) -> None:
        if not self.alt.strip():
            raise ValueError(f"Lab tile {self.id!r} needs alt text")


_component = st.components.v2.component(
    "atelier_lab_grid",
    html=(_ASSETS / "lab_grid.html").read_text(),
    css=(_ASSETS / "lab_grid.css").read_text(),
    js=(_ASSETS / "lab_grid.js").read_text(),
)


def lab_grid(
    columns: list[str],
    rows: list[str],
    tiles: Sequence[Sequence[LabTile | None]],
    *,
    key: str,
    caption: str,
    corner: str = "",
    on_open: Callable[[str], None] | None = None,
    picking: bool = False,
    picked: tuple[str, ...] = (),
    on_pick: Callable[[list[str]], None] | None = None,
) -> None:
    """Draw the grid: `tiles[r][c]` is the cell at row `rows[r]` and column `columns[c]` (None: an empty cell).
    The callbacks run before the next script run, like any widget's: `on_open(id)` for a click, Enter or Space on
    a tile. With `picking`, those toggle the tile in a pick of at most two pictures instead (tiles still being made
    cannot be picked) and `on_pick(ids)` gets the pick in the order it was made. `picked` is the truth: each run's
    value replaces what the browser shows, so a "Clear" done in Python shows at once."""
    _check_shape(columns, rows, tiles)
    seen_key = f"{key}.pick_seen"

    def opened() -> None:
        value = _trigger(key, "open")
        if on_open is not None and isinstance(value, str):
            on_open(value)

    def chose() -> None:
        value = _trigger(key, "pick")
        if not isinstance(value, dict) or not isinstance(value.get("ids"), list):
            return
        # The browser numbers its toggles; the ones Python has seen are no longer replayed over `picked`.
        seq = value.get("seq")
        st.session_state[seen_key] = seq if isinstance(seq, int | float) else 0
        if on_pick is not None:
            on_pick([str(tile_id) for tile_id in value["ids"]][-MAX_PICKS:])

    _component(
        key=key,
        data={
            "caption": caption,
            "corner": corner,
            "columns": list(columns),
            "rows": list(rows),
            "tiles": [[_payload(tile) for tile in row] for row in tiles],
            "picking": picking,
            "picked": list(picked)[-MAX_PICKS:] if picking else [],
            "pick_seen": st.session_state.get(seen_key, 0) if picking else 0,
            "max_picks": MAX_PICKS,
        },
        width="stretch",
        on_open_change=opened,
        on_pick_change=chose,
    )


def _check_shape(columns: list[str], rows: list[str], tiles: Sequence[Sequence[LabTile | None]]) -> None:
    if not columns or not rows:
        raise ValueError("A lab grid needs at least one column and one row")
    if len(tiles) != len(rows) or any(len(row) != len(columns) for row in tiles):
        raise ValueError(f"A lab grid of {len(rows)} rows × {len(columns)} columns needs a tile (or None) per cell")
    ids = [tile.id for row in tiles for tile in row if tile is not None]
    if len(ids) != len(set(ids)):
        raise ValueError("Lab tile ids must be unique")


def _trigger(key: str, name: str) -> Any:
    state = st.session_state.get(key)
    return state.get(name) if state is not None else None


def _payload(tile: LabTile | None) -> dict[str, Any] | None:
    if tile is None:
        return None
    return {
        "id": tile.id,
        "src": tile.src,
        "alt": tile.alt,
        "label": tile.label,
        "badge": tile.badge,
        "winner": tile.winner,
    }
