"""Admin → Privacy queue: the table of requests sorted by deadline, with "Overdue" and "Due in N days" in words
(never colour alone), the open/all filter, and the choice of a request to open."""

from __future__ import annotations

import streamlit as st

from core.domain import UserView
from core.domain.privacy_requests import Urgency
from core.services.privacy_queue import CHANNELS, PrivacyQueueService, QueueItem, when

FILTER_KEY = "admin.privacy.filter"
OPEN_KEY = "admin.privacy.open"
FILTERS = {"open": "Open", "all": "All"}
FLAGS = {Urgency.OVERDUE: "⚠ ", Urgency.SOON: "⏰ "}  # beside the words, for a quicker scan


def table(service: PrivacyQueueService, admin: UserView) -> list[QueueItem]:
    shown = st.segmented_control("Show", list(FILTERS), format_func=FILTERS.__getitem__, default="open", key=FILTER_KEY)
    items = service.queue(admin, open_only=shown != "all")
    overdue = sum(i.mark.urgency == Urgency.OVERDUE for i in items)
    soon = sum(i.mark.urgency == Urgency.SOON for i in items)
    st.caption(
        f"{len(items):,} shown · {overdue:,} overdue · {soon:,} due within 3 days. Open ones first, soonest due "
        "first. Times are UTC."
    )
    if not items:
        st.info("No open privacy requests." if shown != "all" else "No privacy requests yet.")
        return items
    st.dataframe([_row(i) for i in items], hide_index=True, width="stretch")
    return items


def _row(item: QueueItem) -> dict[str, str]:
    r = item.request
    deadline = FLAGS.get(item.mark.urgency, "") + item.mark.words if item.mark.words else r.status_title
    return {
        "Deadline": deadline,
        "Reference": r.reference,
        "Request": r.what + (" (urgent)" if r.urgent else ""),
        "Status": r.status_title,
        "Due": when(r.due_at),
        "Via": CHANNELS.get(r.channel, "Self-service"),
        "Received": when(r.received_at),
        "User": f"#{r.user_id}" if r.user_id is not None else "erased",
    }


def choose(items: list[QueueItem]) -> QueueItem | None:
    shown = {i.request.id: i for i in items}
    chosen = st.selectbox(
        "Open a request",
        list(shown),
        index=None,
        format_func=lambda i: _label(shown[i]) if i in shown else str(i),
        placeholder="Choose a request",
        help="Opening a request shows the person's words and address; it is written to the audit log.",
        key=OPEN_KEY,
    )
    return shown.get(chosen) if chosen is not None else None


def _label(item: QueueItem) -> str:
    r = item.request
    return " · ".join(part for part in (r.reference, r.what, item.mark.words or r.status_title) if part)
