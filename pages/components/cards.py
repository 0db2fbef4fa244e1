"""Tables that become cards on a phone: the same rows drawn twice, a table for wide screens and a list of cards
for narrow ones. CSS (styles/phone.css) shows one or the other, keyed on the two containers' keys, so only the
one on screen is seen, read by a screen reader or reached by Tab.

A card puts first what a person looks for (a change and the balance after it, an order's status and credits),
then the rest as label and value, then its links: real links, one Tab stop each."""

from __future__ import annotations

import html
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import streamlit as st

WIDE, NARROW = "cards-wide-", "cards-narrow-"  # the key prefixes phone.css hides below and above 640 px


@dataclass(frozen=True)
class Card:
    """One row as a card. `headline` is the first thing read ("−40 credits"); `lead` sits beside it ("Balance
    after 2,960"); `fields` are (label, value) pairs; `links` (text, url); `image` (src, alt). Plain text:
    the card escapes it."""

    headline: str
    lead: str = ""
    fields: tuple[tuple[str, str], ...] = ()
    links: tuple[tuple[str, str], ...] = ()
    image: tuple[str, str] | None = None


@dataclass(frozen=True)
class Link:
    text: str
    url: str


@dataclass(frozen=True)
class Picture:
    src: str
    alt: str


Cell = str | tuple[str, ...] | Link | Picture | None  # a tuple: lines


def signed(number: int) -> str:
    """A change as people write it: "+3,000", "−40" (a true minus sign), "0"."""
    return f"{number:+,}".replace("-", "\u2212") if number else "0"


@contextmanager
def wide_only(name: str) -> Iterator[None]:
    """What is drawn inside shows above 640 px only (the table)."""
    with st.container(key=WIDE + name):
        yield


def card_list(name: str, cards: Sequence[Card], label: str) -> None:
    """The cards, shown at 640 px and below: one list, `label` naming it for a screen reader."""
    with st.container(key=NARROW + name):
        st.html(cards_html(cards, label))


def table_or_cards(name: str, table: Callable[[], object], cards: Sequence[Card], label: str) -> None:
    """The table on a wide screen, the same rows as cards on a phone."""
    with wide_only(name):
        table()
    card_list(name, cards, label)


def cards_html(cards: Sequence[Card], label: str) -> str:
    items = "".join(_card(card) for card in cards)
    return f'<ul class="atelier-cards" aria-label="{_attr(label)}">{items}</ul>'


def table_html(
    label: str, headers: Sequence[str], rows: Sequence[Sequence[Cell]], *, numeric: Collection[int] = ()
) -> str:
    """A plain table whose text wraps (nothing is cut off) and whose links are real links; the columns at the
    `numeric` positions hold numbers, right-aligned. For a wide screen, beside card_list for a narrow one."""
    head = "".join(f'<th scope="col"{_num(i in numeric)}>{_text(h)}</th>' for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f"<td{_num(i in numeric)}>{_cell(c)}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    return (
        f'<table class="atelier-table"><caption>{_text(label)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _num(numeric: bool) -> str:
    return ' class="atelier-num"' if numeric else ""


def _cell(cell: Cell) -> str:
    if isinstance(cell, Link):
        return f'<a href="{_attr(cell.url)}">{_text(cell.text)}</a>'
    if isinstance(cell, Picture):
        return f'<img src="{_attr(cell.src)}" alt="{_attr(cell.alt)}" width="48" height="48">'
    if isinstance(cell, tuple):
        return "<br>".join(_text(line) for line in cell if line)
    return _text(cell or "")


def _card(card: Card) -> str:
    image = ""
    if card.image:
        src, alt = card.image
        image = f'<img class="atelier-card-image" src="{_attr(src)}" alt="{_attr(alt)}" width="64" height="64">'
    lead = f' <span class="atelier-card-lead">{_text(card.lead)}</span>' if card.lead else ""
    fields = "".join(
        f"<div><dt>{_text(name)}</dt><dd>{_text(value)}</dd></div>" for name, value in card.fields if value
    )
    links = "".join(f'<a href="{_attr(url)}">{_text(text)}</a>' for text, url in card.links if url)
    return (
        f'<li class="atelier-card">{image}<div class="atelier-card-body">'
        f'<p class="atelier-card-head"><strong>{_text(card.headline)}</strong>{lead}</p>'
        + (f"<dl>{fields}</dl>" if fields else "")
        + (f'<p class="atelier-card-links">{links}</p>' if links else "")
        + "</div></li>"
    )


def _text(value: str) -> str:
    return html.escape(value, quote=False)


def _attr(value: str) -> str:
    return html.escape(value, quote=True)
