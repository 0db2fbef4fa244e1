"""The gallery's query: what to show (filters and a search), in which order, from where, how many.

A query travels in the page's URL: core/domain/url_params.py reads and writes it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum

from core.domain.catalogue import ASPECT_RATIOS, GenerationKind

PAGE_SIZES: tuple[int, ...] = (24, 48, 96)  # the choices a user has; the default is a setting
MAX_SEARCH_TERMS = 8  # more words than this narrow nothing a person would notice, and cost a join each
MAX_TERM_CHARS = 40
UPLOAD_KIND = "upload"  # images a user uploaded to edit: a "kind" with no generation behind it
LAB_KIND = "lab"  # images a prompt-lab experiment made: a "kind" read from the job's origin
KINDS: tuple[str, ...] = (*(kind.value for kind in GenerationKind), UPLOAD_KIND, LAB_KIND)
KIND_LABELS = {
    GenerationKind.TEXT_TO_IMAGE.value: "Text to image",
    GenerationKind.EDIT.value: "Edit",
    GenerationKind.MULTI_REFERENCE.value: "Multi-reference",
    GenerationKind.UPSCALE.value: "Upscale",
    GenerationKind.FILL.value: "Vary region",
    UPLOAD_KIND: "Upload",
    LAB_KIND: "Lab",
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
