"""Selecting images in the gallery and acting on them together: download as a ZIP, file in a collection,
star, or delete (after a confirmation that names the count). The selection is UI state (image ids in the
session); every action goes through a service that acts only on the user's own images."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from core.bootstrap import app_container
from core.domain import UserView
from core.domain.gallery import GalleryFilter
from core.domain.url_params import MAX_PICKED
from core.errors import AtelierError
from core.text import plural
from pages.components.flash import flash
from pages.components.gallery_export import export_links
from pages.components.safe_text import escape_markdown

SELECTING = "gallery.selecting"
SELECTED = "gallery.selected"  # list of image ids, in the order picked
ALL_OF = "gallery.selected_all_of"  # the filter whose every match is selected ("Select all N matching")
CONFIRM = "gallery.bulk.confirm_delete"
HOW_MADE = "Also delete how it was made (prompt and settings)"
HOW_MADE_HELP = (
    "The prompt and settings of each image's job go too, and fal.ai is asked to forget the job. Images of the "
    "same job that you keep share its prompt: it is removed from them too. Your credits history is unchanged."
)
TARGET = "gallery.bulk.collection"


def selecting() -> bool:
    return bool(st.session_state.get(SELECTING))


def selected() -> list[int]:
    return list(st.session_state.get(SELECTED, []))


def set_selected(ids: list[str] | list[int]) -> None:
    st.session_state[SELECTED] = [int(i) for i in ids]
    st.session_state.pop(CONFIRM, None)
    st.session_state.pop(ALL_OF, None)


def stop_selecting() -> None:
    st.session_state[SELECTING] = False
    set_selected([])


def select_toggle() -> None:
    st.toggle("Select", key=SELECTING, on_change=set_selected, args=([],), help="Pick images to act on together.")


def bulk_bar(user: UserView, gallery_filter: GalleryFilter, total: int, *, in_grid: bool) -> None:
    """What to do with the selection; shown while selecting."""
    ids = selected()
    hint = "Click or tap images to select them." if in_grid else "Switch to the grid to pick images one by one."
    with st.container(border=True):
        with st.container(horizontal=True, vertical_alignment="center", gap="small"):
            st.markdown(f"**{plural(len(ids), 'image')} selected**" if ids else hint)
            if total and len(ids) < total:
                st.button(
                    f"Select all {total:,} matching",
                    key="gallery.bulk.all",
                    on_click=_select_all,
                    args=(user, gallery_filter),
                    icon=":material/select_all:",
                )
            if ids:
                st.button("Clear selection", key="gallery.bulk.clear", on_click=set_selected, args=([],))
        if ids:
            _actions(user, ids, gallery_filter, everything_matching=st.session_state.get(ALL_OF) == gallery_filter)


def _select_all(user: UserView, gallery_filter: GalleryFilter) -> None:
    set_selected(app_container().gallery.matching_ids(user, gallery_filter))
    st.session_state[ALL_OF] = gallery_filter  # a download of them all can name the filter, not 10,000 ids


def _actions(user: UserView, ids: list[int], gallery_filter: GalleryFilter, *, everything_matching: bool) -> None:
    if st.session_state.get(CONFIRM) == len(ids):
        _confirm_delete(user, ids)
        return
    with st.container(horizontal=True, gap="small"):
        with st.popover("Download selected", icon=":material/download:"):
            if everything_matching:
                export_links(user, gallery_filter, key="gallery.bulk.export")
            elif len(ids) <= MAX_PICKED:
                export_links(user, GalleryFilter(image_ids=tuple(ids)), key="gallery.bulk.export")
            else:
                st.info(
                    f"A download can name up to {MAX_PICKED:,} images picked by hand. "
                    "To download more, select all that match a filter."
                )
        with st.popover("Add to collection", icon=":material/library_add:"):
            _add_to_collection(user, ids)
        st.button("Star", key="gallery.bulk.star", on_click=_star, args=(user, ids, True), icon=":material/star:")
        st.button("Unstar", key="gallery.bulk.unstar", on_click=_star, args=(user, ids, False))
        st.button(
            "Delete…",
            key="gallery.bulk.delete",
            icon=":material/delete:",
            on_click=st.session_state.__setitem__,
            args=(CONFIRM, len(ids)),
        )


def _add_to_collection(user: UserView, ids: list[int]) -> None:
    collections = {c.id: c for c in app_container().collections.list(user)}
    if collections:
        st.selectbox(
            "Collection",
            list(collections),
            key=TARGET,
            format_func=lambda cid: f"{collections[cid].name} ({collections[cid].image_count:,})",
        )
        st.button("Add", key="gallery.bulk.add", type="primary", on_click=_file, args=(user, ids))
    st.text_input("Or a new collection", key="gallery.bulk.new_name", max_chars=60, placeholder="Name")
    st.button("Create and add", key="gallery.bulk.create", on_click=_create_and_file, args=(user, ids))


def _file(user: UserView, ids: list[int]) -> None:
    target = st.session_state.get(TARGET)
    if target is None:
        return
    _report(lambda: app_container().collections.add_images(user, int(target), ids))


def _create_and_file(user: UserView, ids: list[int]) -> None:
    def create_and_add() -> int:
        name = str(st.session_state.get("gallery.bulk.new_name") or "")
        created = app_container().collections.create(user, name, ids)
        st.session_state["gallery.bulk.new_name"] = ""
        return created.image_count

    _report(create_and_add)


def _report(action: Callable[[], int]) -> None:
    try:
        added = action()
    except AtelierError as exc:
        st.session_state["gallery.bulk.error"] = str(exc)
        return
    flash(f"Added {plural(added, 'image')} to the collection." if added else "Those images were in it already.")


def show_bulk_error() -> None:
    if message := st.session_state.pop("gallery.bulk.error", None):
        st.error(escape_markdown(message))


def _star(user: UserView, ids: list[int], favourite: bool) -> None:
    changed = app_container().gallery.set_favourite(user, ids, favourite)
    flash(f"{'Starred' if favourite else 'Unstarred'} {plural(changed, 'image')}.")


def _confirm_delete(user: UserView, ids: list[int]) -> None:
    st.warning(
        f"Delete {plural(len(ids), 'image')} for good? Their files are removed; the record of how they were "
        "made stays in your history unless you tick below."
    )
    how_made = st.checkbox(
        HOW_MADE,
        key="gallery.bulk.delete_how_made",
        help=HOW_MADE_HELP,
    )
    yes, no = st.columns(2)
    if yes.button(f"Yes, delete {plural(len(ids), 'image')}", key="gallery.bulk.delete_yes", type="primary"):
        deleted = app_container().gallery.delete_many(user, ids, how_made=how_made)
        set_selected([])
        flash(f"Deleted {plural(deleted, 'image')}.")
        st.rerun()
    no.button("Keep them", key="gallery.bulk.delete_no", on_click=st.session_state.pop, args=(CONFIRM, None))
