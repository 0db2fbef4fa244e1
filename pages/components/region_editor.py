"""Vary region: paint over part of an image with a brush and say what goes there (issue 22).

The brush is a `st.components.v2` component (pages/components/brush/) with touch; below it, a keyboard-usable
fallback chooses a named area or a rectangle set with sliders. Both make the same kind of mask, which
`core.masks.clean_mask` checks and sizes to the image before `on_submit` gets it.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from core.bootstrap import app_container
from core.domain import ImageView
from core.errors import UploadError
from core.masks import AREAS, Rect, area_mask, clean_mask, mask_from_data_url
from pages.components.brush import brush, painted
from pages.components.media import image_alt
from pages.components.safe_text import escape_markdown

BRUSH_LABEL = (
    "Picture to paint on. Paint over the part to change with a mouse, a finger or a pen. "
    "Without a pointer, choose an area under the picture instead."
)
NO_AREA = "None: use the brush"
RECTANGLE = "A rectangle I set"
AREA_OPTIONS = (NO_AREA, *AREAS, RECTANGLE)
NOTHING_MARKED = "Paint over the part of the image to change, or choose an area, first."
NO_TEXT = "Say what goes in the region first."
TEXT_LABEL = "What goes there"
# The rectangle's sliders: (label, key suffix, default percent).
_SLIDERS = (
    ("Left edge (%)", "left", 25),
    ("Top edge (%)", "top", 25),
    ("Width (%)", "width", 50),
    ("Height (%)", "height", 50),
)


def region_editor(image: ImageView, on_submit: Callable[[bytes, str], None], *, key: str) -> None:
    """The brush over `image` (size, erase, undo, clear), a box for what goes in the painted region, and a button.
    On the button, calls `on_submit(mask_png, prompt)`: the mask is a PNG the size of the image, white where painted.
    A mask that cannot be used (nothing marked, the whole picture) is explained with st.error; on_submit is not called.
    """
    area_key = f"{key}.area"
    area = _chosen_area(key)

    def forget_area() -> None:
        # The canvas was used: it took the chosen area over as part of its painting, so the picker lets it go.
        st.session_state[area_key] = NO_AREA

    painted_key = f"{key}.brush.{image.id}"  # its own painting per image, when the view moves to another
    drawn = brush(
        key=painted_key,
        src=image.preview_url or image.original_url,
        alt=image_alt(image),
        width=image.width,
        height=image.height,
        label=BRUSH_LABEL,
        area=area,
        on_change=forget_area,
    )
    st.selectbox(
        "Or choose an area",
        AREA_OPTIONS,
        key=area_key,
        help="Marks the region without a pointer. Painting on the picture afterwards starts from this area.",
    )
    if st.session_state.get(area_key) == RECTANGLE:
        _rectangle_sliders(key)
    st.text_area(
        TEXT_LABEL,
        key=f"{key}.text",
        max_chars=app_container().generation.limits.max_prompt_chars,
        height=80,
        placeholder="a red kite in the sky",
    )
    marked = area is not None or not drawn.empty
    if not marked:
        st.markdown(f":material/info: {NOTHING_MARKED}")  # not a caption: its grey fails contrast on light themes
    # Only a missing region disables the button: text is known to Python only once the box loses focus, so a
    # button disabled for empty text would swallow the click that takes the focus away.
    st.button(
        "Fill region",
        type="primary",
        key=f"{key}.fill",
        disabled=not marked,
        help=None if marked else NOTHING_MARKED,
        on_click=_pressed,
        args=(image, on_submit, key, painted_key),
    )
    if refusal := st.session_state.pop(f"{key}.refusal", None):
        st.error(refusal)  # escaped where it was set


def _pressed(image: ImageView, on_submit: Callable[[bytes, str], None], key: str, painted_key: str) -> None:
    """The button's callback, before any run: `on_submit` may leave the page (image_make switches to Generate),
    which a callback does in one step. What is refused is said by the run that follows."""
    prompt = str(st.session_state.get(f"{key}.text") or "").strip()
    if not prompt:
        st.session_state[f"{key}.refusal"] = NO_TEXT
        return
    area = _chosen_area(key)
    limits = app_container().generation.limits
    try:
        data_url = painted(painted_key).data_url
        raw = area_mask(area, image.width, image.height) if area is not None else mask_from_data_url(data_url)
        mask = clean_mask(raw, image.width, image.height, max_bytes=limits.max_upload_bytes)
    except UploadError as refusal:
        st.session_state[f"{key}.refusal"] = escape_markdown(str(refusal))
        return
    on_submit(mask, prompt)


def _chosen_area(key: str) -> Rect | None:
    """The area chosen in the fallback (read before its widgets are drawn, so the brush can show it)."""
    choice = st.session_state.get(f"{key}.area", NO_AREA)
    if choice in AREAS:
        return AREAS[choice]
    if choice != RECTANGLE:
        return None
    left, top, width, height = (_percent(key, name, default) / 100 for _, name, default in _SLIDERS)
    return Rect(left, top, min(width, 1 - left), min(height, 1 - top))


def _percent(key: str, name: str, default: int) -> int:
    value = st.session_state.get(f"{key}.rect.{name}", default)
    return min(100, max(0, value)) if isinstance(value, int) else default


def _rectangle_sliders(key: str) -> None:
    with st.container(horizontal=True, gap="medium", key=f"{key}.rect"):
        for label, name, default in _SLIDERS:
            st.slider(label, 0, 100, default, step=5, key=f"{key}.rect.{name}", width=160)
