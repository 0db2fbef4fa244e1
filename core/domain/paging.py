"""Pagination: one page of a keyset-paged list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

T = TypeVar("T")


class HasId(Protocol):
    @property
    def id(self) -> int: ...


Keyed = TypeVar("Keyed", bound=HasId)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: int | None  # pass back to get the next (older) page; None on the last page
    total: int


def keyset_page(fetched: Sequence[Keyed], size: int, total: int) -> Page[Keyed]:
    """A page from a keyset query asked for `size + 1` rows: the extra row only says an older page exists."""
    items = list(fetched[:size])
    return Page(items=items, next_cursor=items[-1].id if len(fetched) > size else None, total=total)
