"""Ctrl+Enter (Cmd+Enter on a Mac) in a prompt box presses the page's main button: a tiny custom component.

Streamlit's text area says "Press Ctrl+Enter to apply" and only keeps the text; this component
listens for the same keys in that one box and reports the press. The page treats it exactly as a
click of its button: the same checks, the same idempotency token, nothing while the button is
disabled. A press also applies the text first (the text area's own handler runs before ours).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

_component = st.components.v2.component(
    "atelier_submit_shortcut",
    html="<span hidden></span>",
    js=(Path(__file__).parent / "shortcut.js").read_text(),
)


def submit_shortcut(field: str, *, key: str) -> bool:
    """True in the one run that follows Ctrl+Enter or Cmd+Enter in the text box whose label is `field`."""
    result = _component(key=key, data={"field": field}, width="content", height=0, on_submit_change=_ignore)
    return result.get("submit") is True


def _ignore() -> None:
    """A trigger needs a callback to be reported; the press is read from the mount's result instead."""
