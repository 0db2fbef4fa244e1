"""The gallery's search and filters. The URL is the truth: the widgets are filled from its query parameters
whenever they differ (a bookmark, Back, Forward), and every change writes the URL, on the first page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import TypeVar

import streamlit as st

from core.bootstrap import app_container
from core.domain.gallery import (
    KIND_LABELS,
    PAGE_SIZES,
    CollectionView,
    GalleryFacets,
    GalleryFilter,
    GalleryQuery,
    SortOrder,
)
from core.domain.url_params import VIEW, from_params, to_params

T = TypeVar("T")
PREFIX = "gallery.filter."
TEXT, MODELS, KINDS, ASPECTS = f"{PREFIX}text", f"{PREFIX}models", f"{PREFIX}kinds", f"{PREFIX}aspects"
DATE_FROM, DATE_TO = f"{PREFIX}from", f"{PREFIX}to"
FAVOURITES, COLLECTION = f"{PREFIX}favourites", f"{PREFIX}collection"
SORT, SIZE = f"{PREFIX}sort", f"{PREFIX}size"
SHOWN = f"{PREFIX}shown"  # the query the widgets were last filled from
SORT_LABELS = {SortOrder.NEWEST: "Newest first", SortOrder.OLDEST: "Oldest first"}
ANY = 0  # the collection choice "any collection" (ids start at 1)


def current_query() -> GalleryQuery:
    """The query in the URL; the widgets follow it when it changed outside them (Back, a bookmark)."""
    query = from_params(st.query_params.to_dict())
    if st.session_state.get(SHOWN) != query.first_page():
        _fill_widgets(query)
    return query


def go(query: GalleryQuery) -> None:
    """Show this query: its parameters replace the gallery's (a new history entry, so Back returns). The view
    stays; the open image closes."""
    st.query_params.from_dict({**VIEW.write(VIEW.read(st.query_params)), **to_params(query)})


def clear_filters() -> None:
    """Everything again, keeping the order and page size."""
    query = from_params(st.query_params.to_dict())
    go(GalleryQuery(sort=query.sort, page_size=query.page_size))


def show_filter(gallery_filter: GalleryFilter) -> None:
    query = from_params(st.query_params.to_dict())
    go(GalleryQuery(gallery_filter, query.sort, None, query.page_size))


def search_box() -> None:
    st.text_input(
        "Search your prompts",
        key=TEXT,
        on_change=_apply,
        placeholder="Search your prompts",
        icon=":material/search:",
        max_chars=200,
        label_visibility="collapsed",
        type="search",
    )


def sheet_label(query: GalleryQuery) -> str:
    """The gallery sheet's button, with the number of filters on ("Filters and more (2)")."""
    count = _active_count(query.filter)
    return f"Filters and more ({count})" if count else "Filters and more"


def filter_controls(facets: GalleryFacets, query: GalleryQuery) -> None:
    """The filters, the order and the page size (the top of the gallery's sheet)."""
    _filters(facets)
    with st.container(horizontal=True, gap="small"):
        st.selectbox("Order", list(SortOrder), key=SORT, format_func=SORT_LABELS.__getitem__, on_change=_apply)
        st.selectbox(
            "Images per page",
            sorted({*PAGE_SIZES, app_container().gallery.page_size}),
            key=SIZE,
            on_change=_apply,
        )
    if query.filter.active:
        st.button("Clear filters", key=f"{PREFIX}clear", on_click=clear_filters, icon=":material/filter_list_off:")


def _filters(facets: GalleryFacets) -> None:
    st.toggle("Favourites only", key=FAVOURITES, on_change=_apply)
    collections = {c.id: c for c in facets.collections}
    if collections or st.session_state.get(COLLECTION) != ANY:  # none yet: the sheet's Collections says how
        st.selectbox(
            "Collection",
            _with_current([ANY, *collections], COLLECTION),
            key=COLLECTION,
            format_func=lambda cid: "Any collection" if cid == ANY else _collection_label(collections.get(cid)),
            on_change=_apply,
        )
    labels = app_container().generation.model_label
    st.multiselect(
        "Model",
        _with_current(facets.models, MODELS),
        key=MODELS,
        format_func=labels,
        on_change=_apply,
        placeholder="Any model",
    )
    st.pills(
        "Kind",
        _with_current(facets.kinds, KINDS),
        key=KINDS,
        selection_mode="multi",
        format_func=lambda k: KIND_LABELS.get(k, k),
        on_change=_apply,
    )
    st.pills(
        "Aspect ratio", _with_current(facets.aspects, ASPECTS), key=ASPECTS, selection_mode="multi", on_change=_apply
    )
    first, last = st.columns(2)
    for column, label, key in ((first, "Made from", DATE_FROM), (last, "Made until", DATE_TO)):
        column.date_input(
            label,
            value=None,
            key=key,
            on_change=_apply,
            format="YYYY-MM-DD",
            min_value=date(2020, 1, 1),
            help="A day in UTC; it is included.",
        )


def _with_current(options: Sequence[T], key: str) -> list[T]:
    """The options, plus what the URL chose that is not among them (a deleted collection, a model no image
    has any more), so the choice shows and can be undone."""
    current = st.session_state.get(key)
    chosen = current if isinstance(current, list) else [current] if current is not None else []
    return [*options, *(c for c in chosen if c not in options)]


def _collection_label(collection: CollectionView | None) -> str:
    return f"{collection.name} ({collection.image_count:,})" if collection is not None else "A deleted collection"


def _active_count(f: GalleryFilter) -> int:
    parts = (f.models, f.kinds, f.aspects, f.date_from or f.date_to, f.favourites, f.collection is not None)
    return sum(1 for part in parts if part)


def _fill_widgets(query: GalleryQuery) -> None:
    f, state = query.filter, st.session_state
    state[TEXT] = f.text
    state[MODELS] = list(f.models)
    state[KINDS] = list(f.kinds)
    state[ASPECTS] = list(f.aspects)
    state[DATE_FROM], state[DATE_TO] = f.date_from, f.date_to
    state[FAVOURITES] = f.favourites
    state[COLLECTION] = f.collection if f.collection is not None else ANY
    state[SORT] = query.sort
    state[SIZE] = query.page_size or app_container().gallery.page_size
    state[SHOWN] = query.first_page()


def _apply() -> None:
    """A widget changed: the URL gets the new query, from the first page."""
    state = st.session_state
    gallery_filter = GalleryFilter(
        text=str(state.get(TEXT) or ""),
        models=tuple(state.get(MODELS) or ()),
        kinds=tuple(state.get(KINDS) or ()),
        aspects=tuple(state.get(ASPECTS) or ()),
        date_from=state.get(DATE_FROM),
        date_to=state.get(DATE_TO),
        favourites=bool(state.get(FAVOURITES)),
        collection=state.get(COLLECTION) or None,
    )
    if gallery_filter.date_from and gallery_filter.date_to and gallery_filter.date_from > gallery_filter.date_to:
        gallery_filter = replace(gallery_filter, date_from=gallery_filter.date_to, date_to=gallery_filter.date_from)
    size = state.get(SIZE)
    default = app_container().gallery.page_size
    query = GalleryQuery(gallery_filter, SortOrder(state.get(SORT) or SortOrder.NEWEST), None, None)
    query = replace(query, page_size=size if size != default else None)
    state[SHOWN] = query
    go(query)
