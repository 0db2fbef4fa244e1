"""Gallery: your images, newest first, a detail view for each, download, reuse, edit and delete."""

from __future__ import annotations

import streamlit as st

from core.bootstrap import app_container
from core.errors import NotFoundError
from pages.components.gallery_detail import SELECTED_KEY, detail_view
from pages.components.guard import require_user
from pages.components.media import thumbnail_tile
from pages.components.paging import current_cursor, pager
from pages.components.safe_text import escape_markdown

user = require_user()
service = app_container().gallery
COLUMNS = 4

st.title("Gallery")
selected = st.session_state.get(SELECTED_KEY)
if selected is not None:
    try:
        detail_view(user, service.detail(user, selected))
        st.stop()
    except NotFoundError as exc:
        st.session_state.pop(SELECTED_KEY, None)
        st.warning(escape_markdown(str(exc)))

page = service.page(user, before_id=current_cursor("gallery"))
if not page.items:
    st.info("No images yet. Create your first one on the Generate page.")
    st.page_link("pages/generate.py", label="Go to Generate", icon=":material/brush:")
    st.stop()

for start in range(0, len(page.items), COLUMNS):
    for column, image in zip(st.columns(COLUMNS), page.items[start : start + COLUMNS]):
        with column:
            kind = "upload" if image.source == "upload" else f"{image.width}×{image.height}"
            thumbnail_tile(image.thumb_url, alt=f"Image #{image.id}")
            st.caption(f"#{image.id} · {kind} · {image.created_at:%Y-%m-%d %H:%M} UTC")
            if st.button("Open", key=f"gallery.open.{image.id}", width="stretch"):
                st.session_state[SELECTED_KEY] = image.id
                st.rerun()
pager("gallery", page.next_cursor, page.total, service.page_size)
