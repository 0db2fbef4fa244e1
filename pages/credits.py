"""Credits: the balance and the full ledger, newest first, where every hold ends in a capture or a release."""

from __future__ import annotations

import streamlit as st

from core.bootstrap import app_container
from pages.components.guard import require_user
from pages.components.paging import current_cursor, pager

user = require_user()
service = app_container().credits

st.title("Credits")
st.metric("Balance", f"{service.balance(user):,} credits")
st.caption(
    "Every change to your balance is a row below. A generation first **holds** its cost; when it ends, "
    "a **capture** records what was charged and a **release** returns what was not used."
)

before = current_cursor("credits")
page = service.ledger_page(user, before_id=before)
if not page.items:
    st.info("No entries yet.")
else:
    st.dataframe(
        [
            {
                "Time (UTC)": e.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                "Kind": e.kind,
                "Reason": e.reason,
                "Change": e.delta,
                "Reference": e.reference,
            }
            for e in page.items
        ],
        hide_index=True,
        width="stretch",
        column_config={"Change": st.column_config.NumberColumn(format="%d")},
    )
pager("credits", page.next_cursor, page.total, service.page_size)
