"""The gallery query in the URL: any query survives a round trip through its parameters, and anything a
hand-edited URL holds reads as some query without an error. Search words and their highlights."""

from __future__ import annotations

import unicodedata
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from core.domain.catalogue import ASPECT_RATIOS
from core.domain.gallery import (
    KINDS,
    PAGE_SIZES,
    GalleryFilter,
    GalleryQuery,
    SortOrder,
    highlight,
    nearest_aspect,
    search_terms,
)
from core.domain.url_params import from_params, to_params


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# What a URL keeps: its reader stores text NFC, like the prompts a search matches (丽 U+2F800 reads as 丽 U+4E3D).
names = st.text(st.characters(categories=("L", "N"), include_characters="-_."), min_size=1, max_size=12).map(nfc)
ids = st.integers(min_value=1, max_value=10**9)
queries = st.builds(
    GalleryQuery,
    filter=st.builds(
        GalleryFilter,
        text=st.text(st.characters(exclude_categories=("C",)), max_size=40).map(lambda text: nfc(text).strip()),
        models=st.lists(names, max_size=3, unique=True).map(tuple),
        kinds=st.lists(st.sampled_from(KINDS), max_size=3, unique=True).map(tuple),
        aspects=st.lists(st.sampled_from(ASPECT_RATIOS), max_size=3, unique=True).map(tuple),
        date_from=st.none() | st.dates(date(2020, 1, 1), date(2030, 1, 1)),
        date_to=st.none() | st.dates(date(2020, 1, 1), date(2030, 1, 1)),
        favourites=st.booleans(),
        collection=st.none() | ids,
        image_ids=st.lists(ids, max_size=5, unique=True).map(tuple),
    ),
    sort=st.sampled_from(list(SortOrder)),
    cursor=st.none() | ids,
    page_size=st.none() | st.sampled_from(PAGE_SIZES),
    backward=st.booleans(),
)


@given(queries)
def test_every_query_survives_its_url(query: GalleryQuery) -> None:
    expected = query if query.cursor is not None else GalleryQuery(query.filter, query.sort, None, query.page_size)
    assert from_params(to_params(query)) == expected


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "q",
                "model",
                "kind",
                "aspect",
                "from",
                "to",
                "fav",
                "collection",
                "sort",
                "size",
                "after",
                "before",
                "ids",
            ]
        ),
        st.text(max_size=30),
    )
)
def test_any_url_reads_as_a_query(params: dict[str, str]) -> None:
    query = from_params(params)
    assert query.page_size in (None, *PAGE_SIZES) and set(query.filter.kinds) <= set(KINDS)
    assert from_params(to_params(query)).filter.terms == query.filter.terms


def test_the_plain_gallery_has_a_plain_url() -> None:
    assert to_params(GalleryQuery()) == {}
    assert to_params(GalleryQuery(cursor=7, backward=True)) == {"before": "7"}


@given(st.text(max_size=80), st.text(max_size=20))
def test_highlighting_keeps_every_character_and_marks_only_word_starts(text: str, search: str) -> None:
    terms = search_terms(search)
    segments = highlight(text, terms)
    assert "".join(part for part, _ in segments) == text
    assert all(any(part.casefold().startswith(t) for t in terms) for part, hit in segments if hit)


def test_search_words_are_letters_and_digits_folded_once_each() -> None:
    assert search_terms('Cat "OR" cat* NEAR(dog) -- é_x') == ("cat", "or", "near", "dog", "é", "x")
    assert highlight("A Lighthouse at dusk", ("light", "d")) == [
        ("A ", False),
        ("Lighthouse", True),
        (" at ", False),
        ("dusk", True),
    ]


def test_nearest_aspect_names_a_shape_by_its_closest_ratio() -> None:
    assert [nearest_aspect(w, h) for w, h in ((1024, 1024), (1280, 720), (720, 1280), (2560, 1080), (1100, 800))] == [
        "1:1",
        "16:9",
        "9:16",
        "21:9",
        "4:3",
    ]
