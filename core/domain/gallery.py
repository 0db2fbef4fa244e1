"""The gallery's query: what to show (filters and a search), in which order, from where, how many.

A query travels in the page's URL, so `to_params` and `from_params` are each other's inverse and
`from_params` accepts anything a hand-edited link may hold: what it cannot read it leaves out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum

from core.domain.catalogue import ASPECT_RATIOS, GenerationKind

PAGE_SIZES: tuple[int, ...] = (24, 48, 96)  # the choices a user has; the default is a setting
MAX_SEARCH_TERMS = 8  # more words than this narrow nothing a person would notice, and cost a join each
MAX_TERM_CHARS = 40
UPLOAD_KIND = "upload"  # images a user uploaded to edit: a "kind" with no generation behind it
KINDS: tuple[str, ...] = (*(kind.value for kind in GenerationKind), UPLOAD_KIND)
KIND_LABELS = {
    GenerationKind.TEXT_TO_IMAGE.value: "Text to image",
    GenerationKind.EDIT.value: "Edit",
    GenerationKind.MULTI_REFERENCE.value: "Multi-reference",
    UPLOAD_KIND: "Upload",
}
# A word is letters and digits; the full-text indexes of both databases split words the same way.
_WORD = re.compile(r"[^\W_]+")


class SortOrder(StrEnum):
    NEWEST = "newest"
    OLDEST = "oldest"


def search_terms(text: str) -> tuple[str, ...]:
    """The words of a search, folded to lower case, without repeats: each matches words that start with it."""
    terms: list[str] = []
    for word in _WORD.findall(text.casefold()):
        term = word[:MAX_TERM_CHARS]
        if term not in terms:
            terms.append(term)
    return tuple(terms[:MAX_SEARCH_TERMS])


def highlight(text: str, terms: tuple[str, ...]) -> list[tuple[str, bool]]:
    """`text` cut into segments, True for each word a search term matched (a prefix, as the search does)."""
    if not terms:
        return [(text, False)] if text else []
    segments: list[tuple[str, bool]] = []
    start = 0
    for match in _WORD.finditer(text):
        if any(match.group().casefold().startswith(term) for term in terms):
            if match.start() > start:
                segments.append((text[start : match.start()], False))
            segments.append((match.group(), True))
            start = match.end()
    if start < len(text):
        segments.append((text[start:], False))
    return segments


def nearest_aspect(width: int, height: int) -> str:
    """The named aspect ratio closest to a picture's shape (by the ratio's logarithm, so 2:1 and 1:2 are as far
    from square): what the gallery's aspect-ratio filter matches."""
    shape = math.log(max(width, 1) / max(height, 1))

    def distance(name: str) -> float:
        w, h = (int(part) for part in name.split(":"))
        return abs(math.log(w / h) - shape)

    return min(ASPECT_RATIOS, key=distance)


@dataclass(frozen=True)
class GalleryFilter:
    """Which images: every part narrows the set; an empty part does not filter."""

    text: str = ""  # a full-text search over prompts and instructions
    models: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()  # GenerationKind values and "upload"
    aspects: tuple[str, ...] = ()
    date_from: date | None = None  # inclusive, UTC
    date_to: date | None = None  # inclusive, UTC
    favourites: bool = False
    collection: int | None = None  # a collection's id
    image_ids: tuple[int, ...] = ()  # a hand-picked selection (a bulk download of the images picked)

    @property
    def terms(self) -> tuple[str, ...]:
        return search_terms(self.text)

    @property
    def active(self) -> bool:
        return replace(self, text="") != GalleryFilter() or bool(self.terms)

    @property
    def needs_generation(self) -> bool:
        """Whether the filter reads the job behind an image (its prompt, model or kind)."""
        return bool(self.terms or self.models or self.kinds)


@dataclass(frozen=True)
class GalleryQuery:
    filter: GalleryFilter = field(default_factory=GalleryFilter)
    sort: SortOrder = SortOrder.NEWEST
    cursor: int | None = None  # the page starts after this image, in `sort` order; None: the first page
    page_size: int | None = None  # None: the gallery's default (the GALLERY_PAGE_SIZE setting)
    backward: bool = False  # the page ends just before `cursor` instead (the previous page, by keyset too)

    def first_page(self) -> GalleryQuery:
        return replace(self, cursor=None, backward=False)


# URL parameter names. Lists are comma-separated; absent means "not filtered".
P_TEXT, P_MODEL, P_KIND, P_ASPECT = "q", "model", "kind", "aspect"
P_FROM, P_TO, P_FAVOURITES, P_COLLECTION = "from", "to", "fav", "collection"
P_SORT, P_SIZE, P_CURSOR, P_BEFORE, P_IDS = "sort", "size", "after", "before", "ids"
MAX_LIST_ITEMS = 20
MAX_PICKED = 1000  # images picked by hand that one link can name; more are exported by their filter
MAX_TEXT_CHARS = 200


def to_params(query: GalleryQuery) -> dict[str, str]:
    """The query as URL parameters, leaving out every default, so the plain gallery has a plain URL."""
    f = query.filter
    params = {
        P_TEXT: f.text.strip(),
        P_MODEL: ",".join(f.models),
        P_KIND: ",".join(f.kinds),
        P_ASPECT: ",".join(f.aspects),
        P_FROM: f.date_from.isoformat() if f.date_from else "",
        P_TO: f.date_to.isoformat() if f.date_to else "",
        P_FAVOURITES: "1" if f.favourites else "",
        P_COLLECTION: str(f.collection) if f.collection is not None else "",
        P_SORT: query.sort.value if query.sort != SortOrder.NEWEST else "",
        P_SIZE: str(query.page_size) if query.page_size is not None else "",
        P_CURSOR: str(query.cursor) if query.cursor is not None and not query.backward else "",
        P_BEFORE: str(query.cursor) if query.cursor is not None and query.backward else "",
        P_IDS: ",".join(str(i) for i in f.image_ids),
    }
    return {name: value for name, value in params.items() if value}


def from_params(params: Mapping[str, str]) -> GalleryQuery:
    """Read a query from URL parameters; a value that makes no sense is dropped, never an error."""
    size = _int(params.get(P_SIZE, ""))
    gallery_filter = GalleryFilter(
        text=params.get(P_TEXT, "")[:MAX_TEXT_CHARS],
        models=_names(params.get(P_MODEL, "")),
        kinds=tuple(k for k in _names(params.get(P_KIND, "")) if k in KINDS),
        aspects=tuple(a for a in _names(params.get(P_ASPECT, "")) if a in ASPECT_RATIOS),
        date_from=_date(params.get(P_FROM, "")),
        date_to=_date(params.get(P_TO, "")),
        favourites=params.get(P_FAVOURITES, "") == "1",
        collection=_int(params.get(P_COLLECTION, "")),
        image_ids=_ids(params.get(P_IDS, "")),
    )
    sort = SortOrder.OLDEST if params.get(P_SORT, "") == SortOrder.OLDEST.value else SortOrder.NEWEST
    after, before = _int(params.get(P_CURSOR, "")), _int(params.get(P_BEFORE, ""))
    return GalleryQuery(
        filter=gallery_filter,
        sort=sort,
        cursor=after if after is not None else before,
        page_size=size if size in PAGE_SIZES else None,
        backward=after is None and before is not None,
    )


def _names(raw: str) -> tuple[str, ...]:
    names: list[str] = []
    for part in raw.split(","):
        name = part.strip()[:100]
        if name and name not in names:
            names.append(name)
    return tuple(names[:MAX_LIST_ITEMS])


def _ids(raw: str) -> tuple[int, ...]:
    found = (_int(part) for part in raw.split(",")[:MAX_PICKED])
    return tuple(dict.fromkeys(i for i in found if i is not None))


def _int(raw: str) -> int | None:
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 12 else None


def _date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        return None


@dataclass(frozen=True)
class CollectionView:
    id: int
    name: str
    image_count: int


@dataclass(frozen=True)
class GalleryFacets:
    """What the user's gallery holds, so the filters offer only choices that can match."""

    models: tuple[str, ...]
    kinds: tuple[str, ...]
    aspects: tuple[str, ...]
    collections: tuple[CollectionView, ...]
