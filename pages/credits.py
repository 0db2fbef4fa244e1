"""Credits: the balance and a statement: one line per generation job, grant or adjustment, newest first."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.bootstrap import app_container
from pages.components.guard import require_user
from pages.components.media import absolute_url
from pages.components.paging import current_cursor, pager

user = require_user()
service = app_container().credits

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
table = pd.DataFrame(
    {
        "Image": [absolute_url(r.thumb_url) if r.thumb_url else None for r in rows],
        "Time (UTC)": [r.created_at for r in rows],
        "Description": [r.description for r in rows],
        # The thumbnail's text alternative: the grid's image cells cannot carry alt text.
        "Prompt": [" ".join(r.prompt.split()) for r in rows],
        "Reference": [r.reference for r in rows],
        "Change": [r.change for r in rows],
        "Balance after": [r.balance_after for r in rows],
        "Gallery": [absolute_url(f"/gallery?image={r.image_id}") if r.image_id else None for r in rows],
    }
)
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    height="content",  # a whole page of lines, no scroll box inside the page
    row_height=48,
    placeholder="",
    alt="Credit statement, newest first",
    column_config={
        "Image": st.column_config.ImageColumn(
            "Image", width="small", help="The job's first image; the Prompt column says what it shows."
        ),
        "Time (UTC)": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss"),
        "Description": st.column_config.TextColumn(width="medium"),
        "Prompt": st.column_config.TextColumn(width="medium", help="What the job was asked to make."),
        "Reference": st.column_config.TextColumn(help="The order a payment line belongs to (see Billing)."),
        "Change": st.column_config.NumberColumn(format="%+d", help="How this line changed your balance."),
        "Balance after": st.column_config.NumberColumn(format="localized"),
        "Gallery": st.column_config.LinkColumn(display_text="Open in gallery", help="The job's image in your gallery."),
    },
)
pager("credits", page.next_cursor, page.total, service.page_size)
