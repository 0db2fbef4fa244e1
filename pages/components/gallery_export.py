"""Downloading the history: the whole of it or the current view, as a ZIP (originals, CSV and JSON) or a
CSV alone. Preparing a link counts what it will hold and says the size to expect; the link itself is
signed for this user and expires, and opening it again restarts an interrupted download."""

from __future__ import annotations

import time
from dataclasses import dataclass

import streamlit as st

from core.bootstrap import app_container
from core.domain import UserView
from core.domain.gallery import GalleryFilter
from core.text import plural
from pages.components.media import absolute_url

SCOPES = ("Everything", "This view")
FRESH_SECONDS = 50 * 60  # links are signed for an hour: prepare new ones before they run out


def history_download(user: UserView, gallery_filter: GalleryFilter, matching: int) -> None:
    """The page's Download popover: everything, or the `matching` images the filters show."""
    scope = SCOPES[0]
    if gallery_filter.active:
        scope = st.radio(
            "What to download",
            SCOPES,
            key="gallery.export.scope",
            horizontal=True,
            format_func=lambda s: f"{s} ({plural(matching, 'image')})" if s == SCOPES[1] else s,
        )
    export_links(user, gallery_filter if scope == SCOPES[1] else GalleryFilter(), key="gallery.export")


def export_links(user: UserView, gallery_filter: GalleryFilter, *, key: str) -> None:
    """A Prepare button; then the size to expect and the two links, for this filter."""
    prepared = st.session_state.get(key)
    if prepared is None or prepared.filter != gallery_filter or time.monotonic() - prepared.at > FRESH_SECONDS:
        slot = st.empty()
        with slot.container():
            st.caption("A ZIP holds the original images, a CSV with one row per image, and the same data as JSON.")
            clicked = st.button("Prepare download", key=f"{key}.prepare", icon=":material/inventory_2:", type="primary")
        if not clicked:
            return
        slot.empty()
        with slot.container():
            prepared = st.session_state[key] = _prepare(user, gallery_filter)
        slot.empty()
    if prepared.image_count == 0:
        st.info("Nothing to download: no images match.")
        return
    st.markdown(f"**{plural(prepared.image_count, 'image')}**, about **{byte_size(prepared.size)}**.")
    with st.container(horizontal=True, gap="small"):
        st.link_button("Download ZIP", absolute_url(prepared.zip_url), icon=":material/folder_zip:", type="primary")
        st.link_button("Download CSV", absolute_url(prepared.csv_url), icon=":material/table:")
    st.caption("The links work for an hour. If a download stops, open it again to start over.")


@dataclass(frozen=True)
class Prepared:
    filter: GalleryFilter
    image_count: int
    size: int
    zip_url: str
    csv_url: str
    at: float  # time.monotonic() when it was prepared


def _prepare(user: UserView, gallery_filter: GalleryFilter) -> Prepared:
    exports = app_container().exports
    progress = st.progress(0.0, text="Counting your images…")
    summary = exports.summary(user, gallery_filter)
    progress.progress(0.6, text="Signing your download links…")
    zip_url, csv_url = exports.link(user, gallery_filter, "zip"), exports.link(user, gallery_filter, "csv")
    progress.progress(1.0, text="Ready.")
    return Prepared(
        gallery_filter, summary.image_count, summary.total_bytes_estimate, zip_url, csv_url, time.monotonic()
    )


def byte_size(size: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:,.1f} {unit}"
    return f"{size:,} bytes"
