"""Credits: the balance and a statement: one line per generation job, grant or adjustment, newest first."""

from __future__ import annotations

import streamlit as st

from core.bootstrap import app_container
from core.domain import StatementRow
from pages.components.cards import Card, Link, Picture, signed, table_html, table_or_cards
from pages.components.guard import require_user
from pages.components.media import absolute_url
from pages.components.paging import current_cursor, pager

user = require_user()
service = app_container().credits
LABEL = "Credit statement, newest first"


def _gallery(row: StatementRow) -> str | None:
    return absolute_url(f"/gallery?image={row.image_id}") if row.image_id else None


def _when(row: StatementRow) -> str:
    return f"{row.created_at:%Y-%m-%d %H:%M} UTC"


def statement_table(rows: list[StatementRow]) -> None:
    """The wide screen's table: the change and the balance after it right after what happened. Its text wraps
    and its links are links (st.dataframe cut "Generation: charged 1, returned 0" and "Open in gallery" short)."""
    headers = ("Time (UTC)", "Description", "Change", "Balance after", "Image", "Gallery")
    body = [
        (
            f"{r.created_at:%Y-%m-%d %H:%M}",
            (r.description, r.reference, _prompt(r) and f"“{_prompt(r)}”"),
            signed(r.change),
            f"{r.balance_after:,}",
            Picture(absolute_url(r.thumb_url), f"The job's first image: {_prompt(r)}") if r.thumb_url else None,
            Link("Open in gallery", url) if (url := _gallery(r)) else None,
        )
        for r in rows
    ]
    st.html(table_html(LABEL, headers, body, numeric=(2, 3)))


def _prompt(row: StatementRow) -> str:
    return " ".join(row.prompt.split())


def statement_card(row: StatementRow) -> Card:
    prompt = _prompt(row)
    return Card(
        headline=f"{signed(row.change)} credits",
        lead=f"Balance after {row.balance_after:,}",
        fields=(("What", row.description), ("When", _when(row)), ("Prompt", prompt), ("Reference", row.reference)),
        links=(("Open in gallery", _gallery(row) or ""),),
        image=(absolute_url(row.thumb_url), f"The job's first image: {prompt}") if row.thumb_url else None,
    )


st.title("Credits")
st.metric("Balance", f"{service.balance(user):,} credits")
st.caption(
    "A generation holds its cost when it starts. When it ends, you pay only for the images you got and "
    "the rest comes back: its line shows both. **Balance after** is your balance once that line happened."
)

page = service.statement(user, current_cursor("credits"))
if not page.items:
    st.info("No credit activity yet. Credits you receive and spend appear here; start by creating an image.")
    st.page_link("pages/generate.py", label="Go to Generate", icon=":material/brush:")
    st.stop()

rows = page.items
table_or_cards("credits", lambda: statement_table(rows), [statement_card(r) for r in rows], LABEL)
pager("credits", page.next_cursor, page.total, service.page_size)
