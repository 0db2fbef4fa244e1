"""Collections (boards) on the gallery page: the list with image counts (a click shows one), a new one,
and renaming or deleting one (its images stay in the gallery)."""

from __future__ import annotations

import streamlit as st

from core.bootstrap import app_container
from core.domain import UserView
from core.domain.gallery import CollectionView, GalleryFilter
from core.domain.url_params import COLLECTION
from core.errors import AtelierError
from core.text import plural
from pages.components.flash import flash
from pages.components.gallery_filters import show_filter
from pages.components.safe_text import escape_markdown

NEW_NAME = "gallery.collections.new"
PICKED = "gallery.collections.picked"
RENAME = "gallery.collections.rename"
CONFIRM = "gallery.collections.confirm_delete"
ERROR = "gallery.collections.error"


def collections_label(collections: tuple[CollectionView, ...]) -> str:
    return f"Collections ({len(collections)})" if collections else "Collections"


def collections_panel(user: UserView, collections: tuple[CollectionView, ...]) -> None:
    """The collections, each a button showing it; a new one; renaming or deleting one (in the gallery's sheet)."""
    if message := st.session_state.pop(ERROR, None):
        st.error(escape_markdown(message))
    if not collections:
        st.caption("Collections group images: one image can be in several. Make one, then add images to it.")
    for collection in collections:
        st.button(
            f"{escape_markdown(collection.name)} · {plural(collection.image_count, 'image')}",
            key=f"gallery.collections.show.{collection.id}",
            on_click=show_filter,
            args=(GalleryFilter(collection=collection.id),),
            icon=":material/folder:",
            width="stretch",
            help="Show this collection's images",
        )
    st.text_input(
        "New collection",
        key=NEW_NAME,
        max_chars=app_container().collections.max_name_chars,
        placeholder="e.g. Book cover ideas",
    )
    st.button("Create", key="gallery.collections.create", on_click=_create, args=(user,), icon=":material/add:")
    if collections:
        st.divider()
        _edit(user, {c.id: c for c in collections})


def _edit(user: UserView, collections: dict[int, CollectionView]) -> None:
    picked = st.selectbox(
        "Rename or delete", list(collections), key=PICKED, format_func=lambda cid: collections[cid].name
    )
    if picked is None:
        return
    st.text_input(
        "New name",
        key=RENAME,
        max_chars=app_container().collections.max_name_chars,
        placeholder=collections[picked].name,
    )
    if st.session_state.get(CONFIRM) == picked:
        count = collections[picked].image_count
        st.warning(
            f"Delete the collection “{escape_markdown(collections[picked].name)}”? "
            f"Its {plural(count, 'image')} stay in your gallery."
        )
        yes, no = st.columns(2)
        yes.button("Yes, delete it", key="gallery.collections.delete_yes", on_click=_delete, args=(user, picked))
        no.button("Keep it", key="gallery.collections.delete_no", on_click=st.session_state.pop, args=(CONFIRM, None))
        return
    with st.container(horizontal=True, gap="small"):
        st.button("Rename", key="gallery.collections.rename_go", on_click=_rename, args=(user, picked))
        st.button(
            "Delete…",
            key="gallery.collections.delete",
            on_click=st.session_state.__setitem__,
            args=(CONFIRM, picked),
            icon=":material/delete:",
        )


def _create(user: UserView) -> None:
    try:
        made = app_container().collections.create(user, str(st.session_state.get(NEW_NAME) or ""))
    except AtelierError as exc:
        st.session_state[ERROR] = str(exc)
        return
    st.session_state[NEW_NAME] = ""
    flash(f"Collection “{escape_markdown(made.name)}” created. Select images, then Add to collection.")


def _rename(user: UserView, collection_id: int) -> None:
    try:
        app_container().collections.rename(user, collection_id, str(st.session_state.get(RENAME) or ""))
    except AtelierError as exc:
        st.session_state[ERROR] = str(exc)
        return
    st.session_state[RENAME] = ""
    flash("Collection renamed.")


def _delete(user: UserView, collection_id: int) -> None:
    st.session_state.pop(CONFIRM, None)
    try:
        app_container().collections.delete(user, collection_id)
    except AtelierError as exc:
        st.session_state[ERROR] = str(exc)
        return
    if COLLECTION.read(st.query_params) == collection_id:
        show_filter(GalleryFilter())
    flash("Collection deleted; its images are still in your gallery.")
