"""A before/after comparison (a custom component): two pictures in one box, the after picture shown left of a
divider that a slider, a drag on the picture or the arrow keys move. Nothing goes back to Python. Its HTML, CSS and JS
live next to this file and are read once, at import."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

_ASSETS = Path(__file__).parent

_component = st.components.v2.component(
    "atelier_compare_slider",
    html=(_ASSETS / "compare_slider.html").read_text(),
    css=(_ASSETS / "compare_slider.css").read_text(),
    js=(_ASSETS / "compare_slider.js").read_text(),
    # No shadow root: st.dialog's focus trap does not look inside one, and a comparison may open in a dialog.
    # compare_slider.css scopes every rule under .atelier-compare instead.
    isolate_styles=False,
)


def compare_slider(
    before_src: str,
    after_src: str,
    *,
    before_label: str,
    after_label: str,
    before_alt: str,
    after_alt: str,
    key: str,
) -> None:
    """Show `after_src` over `before_src` (relative or data URLs of pictures of one shape), split by a divider at
    the middle. The labels name the two sides in the picture's top corners; the alt texts describe the pictures."""
    for name, text in {"before_alt": before_alt, "after_alt": after_alt}.items():
        if not text.strip():
            raise ValueError(f"compare_slider needs {name}")
    _component(
        key=key,
        data={
            "before": {"src": before_src, "label": before_label, "alt": before_alt},
            "after": {"src": after_src, "label": after_label, "alt": after_alt},
        },
        width="stretch",
    )
