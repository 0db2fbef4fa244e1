"""Every page's URL query parameters, each declared once (its name, its type, its range): the one reader and writer.

A hand-edited URL never breaks a page: `parse` turns any string into a value in its range or into None (left out),
and never raises. Numbers are ASCII digits only, within the 4-byte INTEGER column they are compared with; days stay
where the gallery's own day arithmetic cannot overflow; texts are bounded, printable and kept as text. No message
anywhere here holds a value, so none can reach a log. `format` writes what `parse` reads back unchanged.
"""

from __future__ import annotations

import re
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Generic, TypeVar

from core.domain.catalogue import ASPECT_RATIOS
from core.domain.gallery import KINDS, PAGE_SIZES, GalleryFilter, GalleryQuery, SortOrder
from core.stored_text import refused_characters

T = TypeVar("T")

INT4_MAX = 2_147_483_647  # ids are INTEGER columns, 4 bytes on PostgreSQL (db/migrations); they start at 1
FIRST_DAY = date.min
LAST_DAY = date.max - timedelta(days=1)  # "until the end of that day" needs the day after it to exist
MAX_LIST_ITEMS = 20
MAX_PICKED = 1000  # images picked by hand that one link can name; more are exported by their filter
MAX_TEXT_CHARS = 200  # the search box's own limit
MAX_NAME_CHARS = 100  # a model id's column length
PUBLIC_ID_CHARS = 32  # orders' public_id column
REF_CHARS = 200  # orders' checkout_ref column
_ID = re.compile(r"[0-9]{1,10}")  # [0-9] is ASCII only, where \d and str.isdigit() take any script's digits
_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_TOKEN = re.compile(r"[0-9A-Za-z_-]+")
_PUBLIC_ID = re.compile(r"[0-9A-Za-z]+")


class Param(ABC, Generic[T]):
    """One query parameter: `parse` reads a raw value (None: left out), `format` writes one."""

    name: str

    @abstractmethod
    def parse(self, raw: str) -> T | None: ...

    @abstractmethod
    def format(self, value: T) -> str: ...

    def read(self, params: Mapping[str, str]) -> T | None:
        """This parameter's value in a URL's parameters (the last one, when it is given several times)."""
        raw = params.get(self.name)
        return self.parse(raw) if isinstance(raw, str) else None

    def write(self, value: T | None) -> dict[str, str]:
        """The parameter for `value`; nothing for None, an empty value (so defaults keep a URL plain) or one the
        reader would leave out (the writer never puts in a URL what the reader cannot read back)."""
        text = "" if value is None else self.format(value)
        return {self.name: text} if text and self.parse(text) is not None else {}

    def put(self, params: MutableMapping[str, str], value: T | None) -> None:
        """Set this parameter in a page's URL to `value`, or take it out where `write` writes nothing."""
        if written := self.write(value):
            params.update(written)
        else:
            params.pop(self.name, None)


@dataclass(frozen=True)
class Id(Param[int]):
    """A row id: 1 to INT4_MAX, in plain ASCII digits."""

    name: str

    def parse(self, raw: str) -> int | None:
        return _id(raw)

    def format(self, value: int) -> str:
        return str(value)


@dataclass(frozen=True)
class IdList(Param[tuple[int, ...]]):
    """Comma-separated ids, each read as `Id` reads one; repeats and unreadable ones are left out."""

    name: str
    max_items: int

    def parse(self, raw: str) -> tuple[int, ...] | None:
        found = (_id(part) for part in raw.split(",", self.max_items)[: self.max_items])
        return tuple(dict.fromkeys(i for i in found if i is not None)) or None

    def format(self, value: tuple[int, ...]) -> str:
        return ",".join(str(i) for i in value)


@dataclass(frozen=True)
class Choice(Param[str]):
    """One of a fixed set of words, exactly as written."""

    name: str
    choices: tuple[str, ...]

    def parse(self, raw: str) -> str | None:
        return raw if raw in self.choices else None

    def format(self, value: str) -> str:
        return str(value)


@dataclass(frozen=True)
class Choices(Param[tuple[str, ...]]):
    """Comma-separated words from a fixed set, each once."""

    name: str
    choices: tuple[str, ...]
    max_items: int = MAX_LIST_ITEMS

    def parse(self, raw: str) -> tuple[str, ...] | None:
        parts = (part.strip() for part in raw.split(","))
        return tuple(dict.fromkeys(p for p in parts if p in self.choices))[: self.max_items] or None

    def format(self, value: tuple[str, ...]) -> str:
        return ",".join(value)


@dataclass(frozen=True)
class NumberChoice(Param[int]):
    """A positive number from a fixed set, in plain ASCII digits."""

    name: str
    choices: tuple[int, ...]

    def parse(self, raw: str) -> int | None:
        number = _id(raw)
        return number if number in self.choices else None

    def format(self, value: int) -> str:
        return str(value)


@dataclass(frozen=True)
class Flag(Param[bool]):
    """On when the value is "1"; off (left out of the URL) otherwise."""

    name: str

    def parse(self, raw: str) -> bool | None:
        return True if raw == "1" else None

    def format(self, value: bool) -> str:
        return "1" if value else ""


@dataclass(frozen=True)
class Day(Param[date]):
    """A day as YYYY-MM-DD in ASCII digits, from FIRST_DAY to LAST_DAY."""

    name: str

    def parse(self, raw: str) -> date | None:
        match = _DAY.fullmatch(raw)
        if match is None:
            return None
        year, month, day = (int(part) for part in match.groups())
        try:
            found = date(year, month, day)
        except ValueError:  # no such day (2024-02-30, month 13, year 0): its message is never shown
            return None
        return found if FIRST_DAY <= found <= LAST_DAY else None

    def format(self, value: date) -> str:
        return value.isoformat()


@dataclass(frozen=True)
class Text(Param[str]):
    """Free text, trimmed and cut to `max_chars`; left out if what is kept holds a character stored text refuses
    (a control, a bidi override, a zero-width space, a private-use character), which no search or name needs."""

    name: str
    max_chars: int

    def parse(self, raw: str) -> str | None:
        return _text(raw, self.max_chars)

    def format(self, value: str) -> str:
        return value.strip()


@dataclass(frozen=True)
class TextList(Param[tuple[str, ...]]):
    """Comma-separated texts, each read as `Text` reads one, each once."""

    name: str
    max_items: int
    max_chars: int

    def parse(self, raw: str) -> tuple[str, ...] | None:
        found = (_text(part, self.max_chars) for part in raw.split(","))
        return tuple(dict.fromkeys(t for t in found if t))[: self.max_items] or None

    def format(self, value: tuple[str, ...]) -> str:
        return ",".join(v.strip() for v in value)


@dataclass(frozen=True)
class Token(Param[str]):
    """An opaque reference a provider or this app made: ASCII letters, digits, "_" and "-", at most `max_chars`."""

    name: str
    max_chars: int
    pattern: re.Pattern[str] = _TOKEN

    def parse(self, raw: str) -> str | None:
        return raw if len(raw) <= self.max_chars and self.pattern.fullmatch(raw) else None

    def format(self, value: str) -> str:
        return value


def _id(raw: str) -> int | None:
    if _ID.fullmatch(raw) is None:
        return None
    number = int(raw)
    return number if 1 <= number <= INT4_MAX else None


def _text(raw: str, max_chars: int) -> str | None:
    """Kept only if it could be stored: the characters stored text refuses (core/stored_text.py) are refused here
    too, so an emoji joined by U+200D (👩‍💻) can be searched for, and NFC, as stored text is, so it can match."""
    text = unicodedata.normalize("NFC", raw.strip()[:max_chars]).strip()
    if not text or refused_characters(text, multiline=False) is not None:
        return None
    return text


# -- the declarations: every parameter of every page ------------------------------------------------------------

# Gallery (pages/gallery.py and its components): the query, the open image and the view.
SEARCH = Text("q", MAX_TEXT_CHARS)
MODELS = TextList("model", MAX_LIST_ITEMS, MAX_NAME_CHARS)
KIND = Choices("kind", KINDS)
ASPECT = Choices("aspect", ASPECT_RATIOS)
DATE_FROM, DATE_TO = Day("from"), Day("to")  # inclusive, UTC
FAVOURITES = Flag("fav")
COLLECTION = Id("collection")
SORT = Choice("sort", tuple(SortOrder))
SIZE = NumberChoice("size", PAGE_SIZES)
AFTER, BEFORE = Id("after"), Id("before")  # keyset cursors: the page starts after / ends before this image
PICKED = IdList("ids", MAX_PICKED)
IMAGE = Id("image")  # the image open in the lightbox
EXPERIMENT = Id("experiment")  # the lab experiment open on the Lab page
VIEW = Choice("view", ("table",))  # the grid is the default
# Billing: a receipt, and the return from a checkout (the provider's own reference names it).
RECEIPT = Token("receipt", PUBLIC_ID_CHARS, _PUBLIC_ID)
RETURN = Token("return", 20)  # the payment provider's name
ORDER = Token("order", PUBLIC_ID_CHARS, _PUBLIC_ID)
CANCELED = Flag("canceled")
CHECKOUT = Token("checkout", REF_CHARS)  # Stripe's session id
CHECKOUT_ID = Token("checkout_id", REF_CHARS)  # Creem's checkout id
# Sign-in: the local sign-in's hand-off failed (core/web/session_routes.py sends the browser back with it).
SIGN_IN = Choice("signin", ("failed",))


def from_params(params: Mapping[str, str]) -> GalleryQuery:
    """The gallery's query in a URL's parameters: what cannot be read is left out, never an error."""
    after, before = AFTER.read(params), BEFORE.read(params)
    return GalleryQuery(
        filter=GalleryFilter(
            text=SEARCH.read(params) or "",
            models=MODELS.read(params) or (),
            kinds=KIND.read(params) or (),
            aspects=ASPECT.read(params) or (),
            date_from=DATE_FROM.read(params),
            date_to=DATE_TO.read(params),
            favourites=FAVOURITES.read(params) or False,
            collection=COLLECTION.read(params),
            image_ids=PICKED.read(params) or (),
        ),
        sort=SortOrder(SORT.read(params) or SortOrder.NEWEST),
        cursor=after if after is not None else before,
        page_size=SIZE.read(params),
        backward=after is None and before is not None,
    )


def to_params(query: GalleryQuery) -> dict[str, str]:
    """The query as URL parameters, leaving out every default, so the plain gallery has a plain URL."""
    f, cursor = query.filter, query.cursor
    return {
        **SEARCH.write(f.text),
        **MODELS.write(f.models),
        **KIND.write(f.kinds),
        **ASPECT.write(f.aspects),
        **DATE_FROM.write(f.date_from),
        **DATE_TO.write(f.date_to),
        **FAVOURITES.write(f.favourites),
        **COLLECTION.write(f.collection),
        **SORT.write(query.sort if query.sort != SortOrder.NEWEST else None),
        **SIZE.write(query.page_size),
        **AFTER.write(cursor if not query.backward else None),
        **BEFORE.write(cursor if query.backward else None),
        **PICKED.write(f.image_ids),
    }
