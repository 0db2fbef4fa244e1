"""Admin → Audit log: every admin action, newest first, filterable by actor, action and date, exportable as CSV."""

from __future__ import annotations

import streamlit as st

from core.bootstrap import app_container
from core.domain import AuditFilter, Role
from pages.components.cards import Card, card_list, wide_only
from pages.components.guard import require_user
from pages.components.paging import current_cursor, pager, reset
from pages.components.safe_text import escape_markdown

admin = require_user(Role.ADMIN)
service = app_container().admin

st.title("Audit log")
st.caption(
    "Append-only: every admin action, every payment that changes credits and every payment event refused as "
    "malformed is written here in the same transaction as the change itself."
)
actors, actions = service.audit_filters(admin)
names = dict(actors)
a, b, c = st.columns([2, 2, 2])
actor = a.selectbox(
    "Actor",
    [None, *names],
    format_func=lambda i: "Anyone" if i is None else names[i],
    key="admin.audit.actor",
    on_change=reset,
    args=("admin.audit",),
)
action = b.selectbox(
    "Action",
    ["", *actions],
    format_func=lambda x: x or "Any action",
    key="admin.audit.action",
    on_change=reset,
    args=("admin.audit",),
)
days = c.date_input("Dates (UTC)", value=[], key="admin.audit.days", on_change=reset, args=("admin.audit",))
since = until = None
if isinstance(days, tuple) and days:
    since, until = days[0], days[-1]
filters = AuditFilter(actor_id=actor, action=action or "", since=since, until=until)

page = service.audit_log(admin, filters, before_id=current_cursor("admin.audit"))
if not page.items:
    st.info("No entries match these filters." if (actor or action or since) else "Nothing has been logged yet.")
else:
    # A static table: st.dataframe's toolbar would export the page (and copy its cells) with no audit row,
    # beside the audited download below. st.table renders markdown, so every cell is escaped. On a phone the
    # entries are cards instead (pages/components/cards.py), the action and its time first.
    with wide_only("audit"):
        st.table(
            [
                {
                    "Time (UTC)": e.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                    "Actor": escape_markdown(e.actor),
                    "Action": escape_markdown(e.action),
                    "Subject": escape_markdown(e.subject_shown),
                    "Details": "  \n".join(escape_markdown(f"{key}: {value}") for key, value in e.details_shown),
                }
                for e in page.items
            ],
            hide_index=True,
        )
    card_list(
        "audit",
        [
            Card(
                headline=e.action,
                lead=f"{e.created_at:%Y-%m-%d %H:%M:%S} UTC",
                fields=(("Actor", e.actor), ("Subject", e.subject_shown), *e.details_shown),
            )
            for e in page.items
        ],
        "Audit log entries, newest first",
    )
    pager("admin.audit", page.next_cursor, page.total, service.audit_page_size)
    st.download_button(
        "Download as CSV",
        data=lambda: service.audit_csv(admin, filters),
        file_name="atelier-audit-log.csv",
        mime="text/csv",
        icon=":material/download:",
        help="The entries matching the filters above. The export is itself logged.",
        on_click="ignore",
    )
