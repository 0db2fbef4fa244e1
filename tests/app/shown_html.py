"""What pages/components/cards.py drew, read back as a person sees it: a table's rows of cell texts (with its
links and pictures), and a card list's cards."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from streamlit.testing.v1 import AppTest


@dataclass
class Shown:
    """One table row or one card: its texts in order, its links (text, href) and its pictures (src, alt)."""

    texts: list[str] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)
    pictures: list[tuple[str, str]] = field(default_factory=list)
    cells: list[str] = field(default_factory=list)  # a table row's cells, a card's blocks (headline, lead, ...)


class _Reader(HTMLParser):
    def __init__(self, item_tag: str) -> None:
        super().__init__()
        self.item_tag, self.items, self.label = item_tag, list[Shown](), ""
        self._item: Shown | None = None
        self._href: str | None = None
        self._cell: list[str] | None = None
        self._caption = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag in ("ul", "table") and "aria-label" in found:
            self.label = found["aria-label"] or ""
        if tag == "caption":
            self._caption = True
        if tag == self.item_tag:
            self._item = Shown()
        if self._item is None:
            return
        if tag in ("td", "strong", "span", "dd", "dt"):
            self._cell = []
        if tag == "a":
            self._href = found.get("href") or ""
        if tag == "img":
            self._item.pictures.append((found.get("src") or "", found.get("alt") or ""))
        if tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption":
            self._caption = False
        if self._item is not None and tag in ("td", "strong", "span", "dd", "dt") and self._cell is not None:
            self._item.cells.append("".join(self._cell).strip())
            self._cell = None
        if tag == self.item_tag and self._item is not None:
            self.items.append(self._item)
            self._item = None

    def handle_data(self, data: str) -> None:
        if self._caption:
            self.label += data
        if self._item is None:
            return
        self._item.texts.append(data)
        if self._cell is not None:
            self._cell.append(data)
        if self._href is not None:
            self._item.links.append((data, self._href))
            self._href = None


def _read(at: AppTest, root: str, item_tag: str, label: str) -> list[Shown]:
    for element in at.get("html"):
        body = str(element.proto.body)
        if not body.startswith(f"<{root}"):
            continue
        reader = _Reader(item_tag)
        reader.feed(body)
        if reader.label == label:
            return reader.items
    raise AssertionError(f"nothing labelled {label!r} on the page")


def table_rows(at: AppTest, label: str) -> list[Shown]:
    """The body rows of the table captioned `label` (the header row is left out)."""
    return [row for row in _read(at, "table", "tr", label) if row.cells]


def cards(at: AppTest, label: str) -> list[Shown]:
    """The cards of the list labelled `label`."""
    return _read(at, "ul", "li", label)
