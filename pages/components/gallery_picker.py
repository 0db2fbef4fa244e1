"""Picking gallery images for Edit and Combine: a search over the prompts and pages of the whole gallery (newest
first), and the strip of numbered thumbnails the picks fold into once chosen, so the button and the new job stay in
view. Uploads sit behind "Upload" (a popover), whose uploader is drawn on every run so it keeps its files."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import streamlit as st

from core.bootstrap import app_container
from core.domain import ImageView, UserView
from core.domain.gallery import GalleryFilter, GalleryQuery
from core.domain.url_params import MAX_TEXT_CHARS, SEARCH
from core.errors import UploadError
from core.images import upload_preview
from pages.components.image_grid import GridItem, image_grid
from pages.components.media import image_alt
from pages.components.paging import current_cursor, pager, reset

PICKER_SIZE = 12
STRIP_HEIGHT = 64
UPLOAD_TYPES = ["jpg", "jpeg", "png", "webp"]


def gallery_picker(user: UserView, name: str, *, on_pick: Callable[[str], None], labels: Mapping[int, str]) -> int:
    """A search box, one page of the gallery's matching images (a tile click calls `on_pick(id)`; `labels` number
    the picked ones) and Newer / Older when there are more. Returns how many images match (0: none to pick)."""
    search_key = f"{name}.search"
    text = SEARCH.parse(str(st.session_state.get(search_key) or "")) or ""
    query = GalleryQuery(GalleryFilter(text=text), cursor=current_cursor(name), page_size=PICKER_SIZE)
    page = app_container().gallery.page(user, query)
    if not page.total and not text:
        return 0  # nothing to pick from yet: no search box over an empty gallery
    st.text_input(
        "Search your images",
        key=search_key,
        max_chars=MAX_TEXT_CHARS,
        placeholder="Search your images by prompt",
        icon=":material/search:",
        label_visibility="collapsed",
        on_change=reset,
        args=(name,),
    )
    if page.items:
        tiles = [_tile(image, labels.get(image.id, "")) for image in page.items]
        image_grid(tiles, key=f"{name}.grid", row_height=90, on_open=on_pick)
    elif text:
        st.caption("No image of yours matches that search.")
    if page.total > PICKER_SIZE or current_cursor(name) is not None:
        pager(name, page.next_cursor, page.total, PICKER_SIZE)
    return page.total


def picked_images(user: UserView, ids: Sequence[int]) -> list[ImageView]:
    """The user's images with these ids, in this order (one read; an id no longer in the gallery is left out)."""
    if not ids:
        return []
    query = GalleryQuery(GalleryFilter(image_ids=tuple(ids)), page_size=len(ids))
    found = {image.id: image for image in app_container().gallery.page(user, query).items}
    return [found[i] for i in ids if i in found]


def picked_strip(images: Sequence[ImageView], *, key: str, first: int = 1) -> None:
    """The picks as a strip of small thumbnails numbered from `first` (#1, #2, ...)."""
    if images:
        tiles = [_tile(image, f"#{n}") for n, image in enumerate(images, start=first)]
        image_grid(tiles, key=key, row_height=STRIP_HEIGHT)


def upload_thumbnail(data: bytes, label: str) -> str:
    """A small preview of an upload captioned `label`, or why the file is refused ("" when it is fine)."""
    generation = app_container().generation
    preview, refusal = preview_of(data, generation.limits.max_upload_bytes, generation.max_pixels)
    if not refusal:
        st.image(preview, width=STRIP_HEIGHT, caption=label)
    return refusal


@st.cache_data(max_entries=16, show_spinner=False)
def preview_of(data: bytes, max_bytes: int, max_pixels: int) -> tuple[bytes, str]:
    """The upload's preview, or why it is refused; kept a while, as every rerun of the page would decode it again."""
    try:
        return upload_preview(data, max_bytes=max_bytes, max_pixels=max_pixels), ""
    except UploadError as refusal:
        return b"", str(refusal)


def _tile(image: ImageView, label: str) -> GridItem:
    return GridItem(
        id=str(image.id),
        src=image.thumb_url,
        alt=f"Picked as {label}: {image_alt(image)}" if label else image_alt(image),
        width=image.width,
        height=image.height,
        label=label,
        actions=("open",),
    )
