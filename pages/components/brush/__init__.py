"""The brush (a custom component): paint a region over a picture with a mouse, a finger or a pen, with a size,
erase, undo and clear. Its HTML, CSS and JS live next to this file and are read once, at import.

What is painted reaches Python as a 1-bit PNG data URL the size of the picture (at most 2,048 pixels on its long
side), sent at the end of each stroke, undo or clear; `core.masks` checks and cleans it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from core.masks import Rect

_ASSETS = Path(__file__).parent

_component = st.components.v2.component(
    "atelier_brush",
    html=(_ASSETS / "brush.html").read_text(),
    css=(_ASSETS / "brush.css").read_text(),
    js=(_ASSETS / "mask_png.js").read_text() + "\n" + (_ASSETS / "brush.js").read_text(),
    # No shadow root: st.dialog's focus trap does not look inside one, so Tab would skip the canvas and the
    # tools in the image view. brush.css scopes every rule under .atelier-brush instead.
    isolate_styles=False,
)


@dataclass(frozen=True)
class Painted:
    """What the brush last reported: the mask as a data URL ("" when nothing is painted) and the painted share."""

    data_url: str = ""
    share: float = 0.0

    @property
    def empty(self) -> bool:
        return not self.data_url or self.share <= 0


def brush(
    *,
    key: str,
    src: str,
    alt: str,
    width: int,
    height: int,
    label: str,
    area: Rect | None = None,
    on_change: Callable[[], None] | None = None,
) -> Painted:
    """Draw the brush over the picture at `src` (`width` × `height` pixels, described by `alt`). `label` names the
    canvas for a screen reader. `area`, when given, shows a chosen area in place of the painting until the canvas
    is used again. `on_change` runs before the rerun that follows each change of the painting."""

    def changed() -> None:
        if on_change is not None:
            on_change()

    _component(
        key=key,
        data={
            "src": src,
            "alt": alt,
            "width": width,
            "height": height,
            "label": label,
            "area": [area.left, area.top, area.width, area.height] if area is not None else None,
        },
        width="stretch",
        on_mask_change=changed,
    )
    return painted(key)


def painted(key: str) -> Painted:
    """The brush's last report, read from the session (a value from the browser: checked for shape here)."""
    state = st.session_state.get(key)
    value = state.get("mask") if state is not None else None
    if not isinstance(value, dict):
        return Painted()
    data_url, share = value.get("png"), value.get("painted")
    if not isinstance(data_url, str) or not isinstance(share, int | float) or isinstance(share, bool):
        return Painted()
    return Painted(data_url, min(1.0, max(0.0, float(share))))
