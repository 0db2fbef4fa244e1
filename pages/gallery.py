"""Gallery: your images newest first in a justified grid, the ones still being made in front.

The URL holds the state: ?image=<id> opens the lightbox, ?before=<id> is the page. So Back and
Forward step through what you opened, a reload keeps it, and a link opens that image directly.
"""

from __future__ import annotations

import streamlit as st

from core.bootstrap import app_container
from core.domain import UserView
from core.errors import NotFoundError
from core.services.gallery import GalleryGrid
from pages.components import lightbox
from pages.components.guard import current_user, require_user
from pages.components.image_grid import ACTIONS, GridItem, image_grid
from pages.components.job_tiles import image_tiles, placeholder_tiles
from pages.components.paging import url_cursor, url_pager, url_pager_reset
from pages.components.safe_text import escape_markdown

user = require_user()
PENDING_KEY = "gallery.pending"  # a grid action that needs the user or a page switch: done in the run it causes
UPLOAD_ACTIONS = tuple(a for a in ACTIONS if a != "reuse")  # an upload has no settings to use again


def on_action(image_id: str, action: str) -> None:
    if action == "open":
        lightbox.open_image(image_id)
    elif action == "delete":
        lightbox.ask_to_delete(image_id)
    else:
        st.session_state[PENDING_KEY] = (action, int(image_id))


def on_key(key: str) -> None:
    if key == "Escape":
        lightbox.close()
    else:
        st.session_state[PENDING_KEY] = ("step", -1 if key == "ArrowLeft" else 1)


def follow_up(user: UserView) -> None:
    pending = st.session_state.pop(PENDING_KEY, None)
    if pending is None:
        return
    action, value = pending
    try:
        if action == "step":
            lightbox.step(user, value)
        elif action == "reuse":
            lightbox.reuse(user, value)
        elif action == "edit":
            lightbox.edit(value)
    except NotFoundError as exc:
        st.warning(escape_markdown(str(exc)))


def tiles(grid: GalleryGrid) -> list[GridItem]:
    return [
        tile
        for image in grid.images.items
        for tile in image_tiles(
            [image], grid.batch_size(image), UPLOAD_ACTIONS if image.source == "upload" else ACTIONS
        )
    ]


def in_flight(user: UserView, started: frozenset[str]) -> None:
    """Polled every second while jobs run; once one has ended, a full rerun shows its images."""
    if current_user() is None:  # signed out in another tab while this one kept polling
        st.rerun()
    jobs = app_container().gallery.in_flight(user)
    if not started <= {job.id for job in jobs}:
        st.rerun()
    now = app_container().generation.clock()
    image_grid([tile for job in jobs for tile in placeholder_tiles(job, now)], key="gallery.in_flight")


follow_up(user)
service = app_container().gallery
st.title("Gallery")
opened = lightbox.find(user)

cursor = url_cursor("before")
grid = service.grid(user, before_id=cursor)
jobs = service.in_flight(user) if cursor is None else []
if jobs:
    st.fragment(run_every=1.0)(in_flight)(user, frozenset(job.id for job in jobs))
if grid.images.items:
    image_grid(
        tiles(grid),
        key="gallery.grid",
        on_open=lightbox.open_image,
        on_action=on_action,
        on_key=on_key if opened is not None else None,
    )
    url_pager(
        "before",
        next_cursor=grid.images.next_cursor,
        newer_cursor=grid.newer_cursor,
        page_number=grid.page_number,
        total=grid.images.total,
        page_size=service.page_size,
    )
elif cursor is not None:
    st.info("This page is empty now.")
    st.button("Back to your newest images", on_click=url_pager_reset, args=("before",))
elif not jobs:
    st.info("No images yet. Create your first one on the Generate page.")
    st.page_link("pages/generate.py", label="Go to Generate", icon=":material/brush:")
if opened is not None:
    lightbox.lightbox(user, opened)
