"""Combine mode's reference images: up to the model's limit, picked from the gallery (searched and paged) and
uploaded behind "Upload", numbered in order. Once there are enough, the picker folds into a strip of numbered
thumbnails with "Change picks", so the instruction, the button and the new job stay in view."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from core.bootstrap import app_container
from core.domain import ModelInfo, UserView
from core.errors import UploadError
from core.images import measure_upload
from core.text import plural
from pages.components.gallery_picker import (
    STRIP_HEIGHT,
    UPLOAD_TYPES,
    gallery_picker,
    picked_images,
    picked_strip,
    upload_thumbnail,
)
from pages.components.safe_text import escape_markdown

PICKS_KEY = "generate.references"  # the picked gallery image ids, in the order they were picked
UPLOADS_KEY = "generate.reference_uploads"
OPEN_KEY = "generate.reference_picker_open"  # unfolded again by "Change picks"
PICKER = "generate.reference_picker"


@dataclass(frozen=True)
class ReferenceSource:
    image_ids: tuple[int, ...] = ()
    uploads: tuple[bytes, ...] = ()
    missing: str = ""  # why the job cannot run yet


def reference_source(user: UserView, model: ModelInfo) -> ReferenceSource:
    fewest, most = model.references
    state = st.session_state
    images = picked_images(user, [i for i in state.get(PICKS_KEY, []) if isinstance(i, int)])[:most]
    picks = [image.id for image in images]
    state[PICKS_KEY] = picks
    held = state.get(UPLOADS_KEY)  # as the uploader below holds them
    files: list[UploadedFile] = [f for f in held if isinstance(f, UploadedFile)] if isinstance(held, list) else []
    count = len(picks) + len(files)
    unfolded = bool(state.get(OPEN_KEY)) or count < fewest
    with st.container(horizontal=True, vertical_alignment="center", gap="small", key="generate.combine_row"):
        if images:
            with st.container(width=min(480, (STRIP_HEIGHT + 16) * len(images)), gap=None):
                picked_strip(images, key="generate.reference_strip")
        for n, file in enumerate(files, start=len(picks) + 1):
            upload_thumbnail(file.getvalue(), f"#{n}")
        if count >= fewest:
            label, icon = ("Done", ":material/check:") if unfolded else ("Change picks", ":material/edit:")
            st.button(label, key="generate.reference_change", icon=icon, on_click=_unfold, args=(not unfolded,))
        if picks:
            st.button("Clear picks", key="generate.clear_references", on_click=_clear, icon=":material/close:")
        with st.popover("Upload", icon=":material/add:", help="Upload JPEG, PNG or WebP files to combine"):
            st.file_uploader(
                "Add images (JPEG, PNG or WebP)", type=UPLOAD_TYPES, accept_multiple_files=True, key=UPLOADS_KEY
            )
    uploads = tuple(f.getvalue() for f in files)
    if refused := _refused(files):
        return ReferenceSource(tuple(picks), uploads, refused)
    if unfolded:
        st.caption(f"Choose {fewest} to {most} images: pick them from your gallery, upload them, or both.")
        labels = {image_id: f"#{n}" for n, image_id in enumerate(picks, start=1)}
        gallery_picker(user, PICKER, on_pick=_toggle(most), labels=labels)
    if count > most:
        return ReferenceSource(
            tuple(picks), uploads, f"{model.label} combines at most {most} images; remove {count - most}."
        )
    if count < fewest:
        return ReferenceSource(tuple(picks), uploads, f"Choose {plural(fewest - count, 'more image')} to combine.")
    return ReferenceSource(tuple(picks), uploads)


def _refused(files: list[UploadedFile]) -> str:
    """Each upload measured as the submit measures it, before anything decodes it; each refusal shown by the
    file's name. What to fix, or "" when every file passes."""
    generation = app_container().generation
    what_to_do = ""
    for file in files:
        try:
            measure_upload(
                file.getvalue(), max_bytes=generation.limits.max_upload_bytes, max_pixels=generation.max_pixels
            )
        except UploadError as refusal:
            st.error(f"{escape_markdown(file.name)}: {escape_markdown(str(refusal))}", icon=":material/broken_image:")
            what_to_do = "Remove or replace the file refused above."
    return what_to_do


def _toggle(most: int) -> Callable[[str], None]:
    """A tile click picks the image, or unpicks it when picked already. The picker folds by itself once there are
    enough (unless "Change picks" unfolded it), and always once there are as many as the model takes."""

    def toggle(image_id: str) -> None:
        picks = list(st.session_state.get(PICKS_KEY, []))
        chosen = int(image_id)
        if chosen in picks:
            picks.remove(chosen)
        elif len(picks) < most:
            picks.append(chosen)
        st.session_state[PICKS_KEY] = picks
        if len(picks) >= most:
            st.session_state[OPEN_KEY] = False

    return toggle


def _clear() -> None:
    st.session_state[PICKS_KEY] = []
    st.session_state[OPEN_KEY] = False


def _unfold(unfold: bool) -> None:
    st.session_state[OPEN_KEY] = unfold
