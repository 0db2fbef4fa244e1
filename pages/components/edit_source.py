"""Edit mode's source image: picked from the gallery (searched and paged) or uploaded behind "Upload". Once chosen it
folds into one small thumbnail with "Change image", so the instruction, the button and the new job stay in view."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from core.bootstrap import app_container
from core.domain import ImageView, UserView
from core.errors import NotFoundError
from pages.components.gallery_picker import UPLOAD_TYPES, gallery_picker, upload_thumbnail
from pages.components.media import image_alt, show_image
from pages.components.safe_text import escape_markdown

PICK_KEY = "generate.pick"  # the picked image's id (plain session state, set by a tile click or set_draft)
UPLOAD_KEY = "generate.upload"  # with a generation number: a pick clears the upload by moving to the next one
UPLOAD_GEN_KEY = "generate.upload_gen"
OPEN_KEY = "generate.edit_picker_open"  # the picker unfolded again by "Change image"
PICKER = "generate.picker"
THUMB_WIDTH = 90


@dataclass(frozen=True)
class EditSource:
    image_id: int | None = None
    upload: bytes | None = None
    missing: str = ""  # why there is nothing to edit yet


def pick_for_edit(image_id: int) -> None:
    """Make this gallery image the one to edit (a tile click here, or Edit on another page)."""
    state = st.session_state
    state[PICK_KEY] = image_id
    state[UPLOAD_GEN_KEY] = state.get(UPLOAD_GEN_KEY, 0) + 1  # an upload chosen before gives way
    state[OPEN_KEY] = False


def edit_source(user: UserView) -> EditSource:
    state = st.session_state
    upload_key = f"{UPLOAD_KEY}.{state.get(UPLOAD_GEN_KEY, 0)}"
    file = state.get(upload_key)  # as the uploader below holds it
    data = file.getvalue() if file is not None and hasattr(file, "getvalue") else None
    picked = None if data is not None else _picked(user)
    chosen = data is not None or picked is not None
    unfolded = bool(state.get(OPEN_KEY)) or not chosen
    refusal = ""
    with st.container(horizontal=True, vertical_alignment="center", gap="small", key="generate.edit_row"):
        if data is not None:
            refusal = upload_thumbnail(data, "Your upload")
        elif picked is not None:
            with st.container(width=THUMB_WIDTH, gap=None):
                show_image(picked.thumb_url, alt=f"The image to edit: {image_alt(picked)}", width=THUMB_WIDTH)
        if chosen:
            label, icon = (
                ("Keep this image", ":material/check:") if unfolded else ("Change image", ":material/swap_horiz:")
            )
            st.button(label, key="generate.edit_change", icon=icon, on_click=_unfold, args=(not unfolded,))
        with st.popover("Upload", icon=":material/add:", help="Upload a JPEG, PNG or WebP file to edit"):
            # Streamlit's uploader states the size limit itself (MAX_UPLOAD_MB, applied to its config at start).
            st.file_uploader("JPEG, PNG or WebP", type=UPLOAD_TYPES, key=upload_key, on_change=_uploaded)
    if refusal:
        # The submit's own checks, before anything decodes the file: a bomb or a damaged file is named here.
        st.error(escape_markdown(refusal), icon=":material/broken_image:")
        return EditSource(missing=refusal)
    if unfolded:
        labels = {picked.id: "Selected"} if picked is not None else {}
        if not gallery_picker(user, PICKER, on_pick=_choose, labels=labels) and not state.get(f"{PICKER}.search"):
            st.caption("Your gallery is empty: upload an image to edit with **Upload**.")
    if data is not None:
        return EditSource(upload=data)
    if picked is not None:
        return EditSource(image_id=picked.id)
    return EditSource(missing="Choose an image to edit first.")


def _picked(user: UserView) -> ImageView | None:
    chosen = st.session_state.get(PICK_KEY)
    if chosen is None:
        return None
    try:
        return app_container().gallery.detail(user, int(chosen)).image
    except (NotFoundError, ValueError, TypeError):
        st.session_state.pop(PICK_KEY, None)
        return None


def _choose(image_id: str) -> None:
    pick_for_edit(int(image_id))


def _uploaded() -> None:
    st.session_state.pop(PICK_KEY, None)
    st.session_state[OPEN_KEY] = False


def _unfold(unfold: bool) -> None:
    st.session_state[OPEN_KEY] = unfold
