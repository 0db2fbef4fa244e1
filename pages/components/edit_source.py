"""Edit mode's source image: an upload with its preview, or a visual pick from the gallery."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from core.bootstrap import app_container
from core.domain import ImageView, UserView
from core.errors import NotFoundError, UploadError
from core.images import upload_preview
from pages.components.image_grid import GridItem, image_grid
from pages.components.media import image_alt, show_image
from pages.components.safe_text import escape_markdown

SOURCE_KEY = "generate.edit_source"
PICK_KEY = "generate.pick"  # the picked image's id (plain session state, set by a tile click or set_draft)
UPLOAD_KEY = "generate.upload"
EDIT_SOURCES = ["Upload a file", "Pick from my gallery"]
PICKER_SIZE = 12


@dataclass(frozen=True)
class EditSource:
    image_id: int | None = None
    upload: bytes | None = None
    missing: str = ""  # why there is nothing to edit yet


def edit_source(user: UserView) -> EditSource:
    source = st.segmented_control("Image to edit", EDIT_SOURCES, key=SOURCE_KEY, persist_state="session")
    if (source or EDIT_SOURCES[0]) == EDIT_SOURCES[0]:
        return _upload()
    return _pick(user)


def _upload() -> EditSource:
    # Streamlit's uploader states the size limit itself (MAX_UPLOAD_MB, applied to its config at start),
    # in the same unit as our own messages.
    upload = st.file_uploader("JPEG, PNG or WebP", type=["jpg", "jpeg", "png", "webp"], key=UPLOAD_KEY)
    if upload is None:
        return EditSource(missing="Choose an image to edit first.")
    data = upload.getvalue()
    generation = app_container().generation
    preview, refusal = _preview(data, generation.limits.max_upload_bytes, generation.max_pixels)
    if refusal:
        # The submit's own checks, before anything decodes the file: a bomb or a damaged file is named here.
        st.error(escape_markdown(refusal), icon=":material/broken_image:")
        return EditSource(missing=refusal)
    st.image(preview, width=220, caption="Your upload", alt="The image you uploaded to edit")
    return EditSource(upload=data)


@st.cache_data(max_entries=8, show_spinner=False)
def _preview(data: bytes, max_bytes: int, max_pixels: int) -> tuple[bytes, str]:
    """The upload's preview, or why it is refused; kept a while, as every rerun of the page would decode it again."""
    try:
        return upload_preview(data, max_bytes=max_bytes, max_pixels=max_pixels), ""
    except UploadError as refusal:
        return b"", str(refusal)


def _pick(user: UserView) -> EditSource:
    gallery = app_container().gallery
    images = gallery.page(user).items[:PICKER_SIZE]
    picked = _picked(user, images)
    if picked is None and not images:
        st.info("Your gallery is empty. Upload a file instead.", icon=":material/photo_library:")
        return EditSource(missing="Your gallery is empty.")
    with st.container(horizontal=True, gap="medium", vertical_alignment="top"):
        if picked is not None:
            with st.container(width=220, gap="small"):
                show_image(picked.preview_url, alt=image_alt(picked), caption="Selected")
        with st.container(width="stretch"):
            image_grid(
                [_tile(image) for image in images],
                key="generate.picker",
                row_height=90,
                on_open=_choose,
            )
            st.caption("Choose the image to edit. Older ones: open them in the Gallery and pick Edit.")
    if picked is None:
        return EditSource(missing="Choose an image to edit first.")
    return EditSource(image_id=picked.id)


def _picked(user: UserView, shown: list[ImageView]) -> ImageView | None:
    chosen = st.session_state.get(PICK_KEY)
    if chosen is None:
        return None
    found = next((image for image in shown if image.id == chosen), None)
    if found is not None:
        return found
    try:  # picked from an older page of the gallery ("Edit this image")
        return app_container().gallery.detail(user, int(chosen)).image
    except (NotFoundError, ValueError):
        st.session_state.pop(PICK_KEY, None)
        return None


def _tile(image: ImageView) -> GridItem:
    return GridItem(
        id=str(image.id),
        src=image.thumb_url,
        alt=image_alt(image),
        width=image.width,
        height=image.height,
        actions=("open",),
    )


def _choose(image_id: str) -> None:
    st.session_state[PICK_KEY] = int(image_id)
