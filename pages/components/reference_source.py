"""Combine mode's reference images: up to the model's limit, picked from the gallery and uploaded, in order."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from core.bootstrap import app_container
from core.domain import ImageView, ModelInfo, UserView
from core.errors import UploadError
from core.images import measure_upload
from core.text import plural
from pages.components.image_grid import GridItem, image_grid
from pages.components.media import image_alt
from pages.components.safe_text import escape_markdown

PICKS_KEY = "generate.references"  # the picked gallery image ids, in the order they were picked
UPLOADS_KEY = "generate.reference_uploads"
PICKER_SIZE = 12


@dataclass(frozen=True)
class ReferenceSource:
    image_ids: tuple[int, ...] = ()
    uploads: tuple[bytes, ...] = ()
    missing: str = ""  # why the job cannot run yet


def reference_source(user: UserView, model: ModelInfo) -> ReferenceSource:
    fewest, most = model.references
    images = app_container().gallery.page(user).items[:PICKER_SIZE]
    shown = {image.id for image in images}
    picks = [i for i in st.session_state.get(PICKS_KEY, []) if i in shown][:most]
    st.session_state[PICKS_KEY] = picks
    st.caption(f"Choose {fewest} to {most} images: pick them from your gallery, upload them, or both.")
    if images:
        image_grid(
            [_tile(image, picks) for image in images],
            key="generate.reference_picker",
            row_height=90,
            on_open=_toggle(most),
        )
    files = st.file_uploader(
        "Add images (JPEG, PNG or WebP)",
        type=["jpg", "jpeg", "png", "webp"],
        accept_multiple_files=True,
        key=UPLOADS_KEY,
    )
    uploads = tuple(f.getvalue() for f in files or [])
    if refused := _refused(files or []):
        return ReferenceSource(tuple(picks), uploads, refused)
    count = len(picks) + len(uploads)
    if picks:
        with st.container(horizontal=True, vertical_alignment="center", gap="small"):
            st.caption(f"Picked from the gallery: {', '.join(f'#{n}' for n in range(1, len(picks) + 1))}")
            st.button("Clear picks", key="generate.clear_references", on_click=_clear, icon=":material/close:")
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


def _tile(image: ImageView, picks: list[int]) -> GridItem:
    order = picks.index(image.id) + 1 if image.id in picks else 0
    return GridItem(
        id=str(image.id),
        src=image.thumb_url,
        alt=f"{'Picked as image ' + str(order) + ': ' if order else ''}{image_alt(image)}",
        width=image.width,
        height=image.height,
        label=f"#{order}" if order else "",
        actions=("open",),
    )


def _toggle(most: int):  # type: ignore[no-untyped-def]
    def toggle(image_id: str) -> None:
        picks = list(st.session_state.get(PICKS_KEY, []))
        chosen = int(image_id)
        if chosen in picks:
            picks.remove(chosen)
        elif len(picks) < most:
            picks.append(chosen)
        st.session_state[PICKS_KEY] = picks

    return toggle


def _clear() -> None:
    st.session_state[PICKS_KEY] = []
