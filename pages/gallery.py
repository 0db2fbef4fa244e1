"""Gallery: your images in a justified grid or a table, searched, filtered and sorted, a page at a time,
with the ones still being made in front.

The URL holds the state: the search and filters (?q=, ?model=, ?fav=1, ...), the order, the page
size and the page (?after=<id>), the view (?view=table) and the open image (?image=<id>). So a
filtered view can be bookmarked, Back and Forward step through what you did, and a reload keeps it.
"""

from __future__ import annotations

import streamlit as st

from core.bootstrap import app_container
from core.domain import UserView
from core.domain.gallery import GalleryFilter, GalleryQuery, SortOrder, highlight
from core.domain.url_params import AFTER, BEFORE, IMAGE, VIEW, to_params
from core.errors import NotFoundError
from core.services.gallery import GalleryGrid
from pages.components import gallery_bulk as bulk
from pages.components import image_reuse, lightbox
from pages.components.gallery_collections import collections_label, collections_panel
from pages.components.gallery_export import history_download
from pages.components.gallery_filters import clear_filters, current_query, filter_controls, search_box, sheet_label
from pages.components.gallery_table import history_table
from pages.components.guard import current_user, require_user
from pages.components.image_grid import ACTIONS, STAR, GridItem, image_grid
from pages.components.job_tiles import image_tiles, placeholder_tiles
from pages.components.paging import url_pager, url_pager_reset
from pages.components.safe_text import escape_markdown
from pages.components.to_generate import go_to_generate

user = require_user()
go_to_generate()  # asked for by the image view (Vary, Upscale, Vary region, Use again, Edit): see it on Generate
PENDING_KEY = "gallery.pending"  # a grid action that needs the user or a page switch: done in the run it causes
UPLOAD_ACTIONS = tuple(a for a in ACTIONS if a != "reuse")  # an upload has no settings to use again
VIEWS = {"grid": ":material/grid_view: Grid", "table": ":material/table_rows: Table"}


def on_action(image_id: str, action: str) -> None:
    if action == "open":
        lightbox.open_image(image_id)
    elif action == "delete":
        lightbox.ask_to_delete(image_id)
    elif (chosen := IMAGE.parse(image_id)) is not None:
        st.session_state[PENDING_KEY] = (action, chosen)


def on_key(key: str) -> None:
    if key == "Escape":
        lightbox.close()
    else:
        st.session_state[PENDING_KEY] = ("step", -1 if key == "ArrowLeft" else 1)


def follow_up(user: UserView, query: GalleryQuery) -> None:
    pending = st.session_state.pop(PENDING_KEY, None)
    if pending is None:
        return
    action, value = pending
    try:
        if action == "step":
            lightbox.step(user, value, query)
        elif action == "reuse":
            image_reuse.reuse(user, value)
        elif action == "edit":
            image_reuse.edit(value)
        elif action == STAR:
            lightbox.toggle_star(user, value)
    except NotFoundError as exc:
        st.warning(escape_markdown(str(exc)))


def tiles(grid: GalleryGrid, terms: tuple[str, ...]) -> list[GridItem]:
    return [
        tile
        for image in grid.images.items
        for tile in image_tiles(
            [image],
            grid.batch_size(image),
            UPLOAD_ACTIONS if image.source == "upload" else ACTIONS,
            star=True,
            caption=tuple(highlight(image.prompt, terms)) if terms else (),
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


def toolbar(user: UserView, query: GalleryQuery, view: str, matching: int) -> None:
    """One bar: the search, the sheet with everything else (filters, order, page size, view, collections,
    download) and Select. On a phone the sheet's button shows its icon only (phone.css), so the bar is one row."""
    facets = service.facets(user)
    with st.container(key="gallery-toolbar", horizontal=True, vertical_alignment="center", gap="small"):
        search_box()
        filtered = query.filter.active and query.filter != GalleryFilter(text=query.filter.text)
        # Filters on: the button is filled, which an icon-only button on a phone still shows.
        sheet = st.popover(
            sheet_label(query), icon=":material/tune:", key="gallery-sheet", type="primary" if filtered else "secondary"
        )
        with sheet:
            filter_controls(facets, query)
            st.session_state["gallery.view"] = view  # the URL's, also after Back
            st.segmented_control(
                "View", list(VIEWS), key="gallery.view", format_func=VIEWS.__getitem__, on_change=set_view
            )
            with st.expander(collections_label(facets.collections), icon=":material/collections_bookmark:"):
                collections_panel(user, facets.collections)
            with st.expander("Download", icon=":material/download:"):
                history_download(user, query.filter, matching)
        bulk.select_toggle()


def set_view() -> None:
    VIEW.put(st.query_params, str(st.session_state.get("gallery.view") or "grid"))


def empty_state(query: GalleryQuery, jobs: bool) -> None:
    if query.cursor is not None:
        st.info("This page is empty now.")
        st.button("Back to the first page", on_click=url_pager_reset, args=(AFTER, BEFORE))
    elif query.filter.active:
        f = query.filter
        if f == GalleryFilter(favourites=True):
            st.info("No favourites yet. Star an image (☆ on its card, or in its view) to find it here.")
        elif f.collection is not None and f == GalleryFilter(collection=f.collection):
            st.info("This collection is empty. Turn on Select, pick images, then choose Add to collection.")
        else:
            st.info("No images match. Try fewer words or fewer filters.")
        st.button("Clear filters", key="gallery.empty.clear", on_click=clear_filters, icon=":material/filter_list_off:")
    elif not jobs:
        st.info("No images yet. Create your first one on the Generate page.")
        st.page_link("pages/generate.py", label="Go to Generate", icon=":material/brush:")


service = app_container().gallery
query = current_query()
view = VIEW.read(st.query_params) or "grid"
follow_up(user, query)
with st.container(key="gallery-head"):  # phone.css makes the title smaller on a phone
    st.title("Gallery")
opened = lightbox.find(user, query)
grid = service.grid(user, query)
# The toolbar is drawn last, into its place above the grid: its widgets (their queries, and the browser's code for
# each kind) come after the pictures have been asked for. bench/gallery_browser.py
bar = st.container()
bulk.show_bulk_error()
first_page = query.cursor is None and query.sort == SortOrder.NEWEST and not query.filter.active
jobs = service.in_flight(user) if first_page else []  # the images being made come first: newest first only
if jobs:
    st.fragment(run_every=1.0)(in_flight)(user, frozenset(job.id for job in jobs))
if bulk.selecting():
    bulk.bulk_bar(user, query.filter, grid.images.total, in_grid=view == "grid")
if grid.images.items:
    if query.filter.active:
        st.caption(f"{grid.images.total:,} matching")
    if view == "table":
        history_table(grid.images.items, {**to_params(query), **VIEW.write("table")})
    else:
        image_grid(
            tiles(grid, query.filter.terms),
            key="gallery.grid",
            on_open=lightbox.open_image,
            on_action=on_action,
            on_key=on_key if opened is not None else None,
            selectable=bulk.selecting(),
            selected=frozenset(str(i) for i in bulk.selected()),
            on_select=bulk.set_selected,
        )
    url_pager(
        AFTER,
        BEFORE,
        next_after=grid.images.next_cursor,
        previous_before=grid.previous_before,
        page_number=grid.page_number,
        total=grid.images.total,
        page_size=grid.page_size,
        labels=("← Older", "Newer →") if query.sort == SortOrder.OLDEST else ("← Newer", "Older →"),
    )
else:
    empty_state(query, bool(jobs))
with bar:
    toolbar(user, query, view, grid.images.total)
if opened is not None:
    lightbox.lightbox(user, opened, query)
