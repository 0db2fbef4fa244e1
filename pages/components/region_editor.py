"""Vary region: paint over part of an image with a brush and say what goes there (issue 22).

The brush is a `st.components.v2` component (pages/components/brush/) with touch and a keyboard-usable fallback.
"""

from __future__ import annotations

from collections.abc import Callable

from core.domain import ImageView


def region_editor(image: ImageView, on_submit: Callable[[bytes, str], None], *, key: str) -> None:
    """The brush over `image` (size, erase, undo, clear), a box for what goes in the painted region, and a button.
    On the button, calls `on_submit(mask_png, prompt)`: the mask is a PNG the size of the image, white where painted.
    Filled in by the brush work."""
    del image, on_submit, key
