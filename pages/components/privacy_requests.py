"""The privacy centre's list of the user's requests: every right exercised, with its status, the date we answer
by (and why, when we extended it), our answer, and the download of an export we ran for them while it is ready."""

from __future__ import annotations

import streamlit as st

from core.bootstrap import app_container
from core.domain import UserView
from core.services.privacy import PrivacyService
from core.services.privacy_queue import when
from core.services.privacy_views import RequestView
from core.services.stored_exports import StoredExportService
from pages.components.gallery_export import byte_size
from pages.components.media import absolute_url
from pages.components.safe_text import escape_markdown


def render(user: UserView) -> None:
    st.subheader("Your requests", anchor="requests")
    mine = app_container().of(PrivacyService).my_requests(user)
    if not mine:
        st.caption("None yet. The rights you exercise here, or by writing to us, are listed with our answers.")
        return
    st.caption("Every right you exercised, newest first, with the date we answer by. Times are UTC.")
    st.dataframe([_row(r) for r in mine], hide_index=True, width="stretch")
    _downloads(user)


def _row(r: RequestView) -> dict[str, str]:
    due = "" if r.due_at is None or (r.due_at == r.received_at and not r.open) else when(r.due_at)
    if r.extended_at is not None:
        due += f" (extended: {r.extension_reason})"
    return {
        "Reference": r.reference,
        "Request": r.what,
        "Status": r.status_title,
        "Answer by": due,
        "Our answer": r.answer,
        "Your words": r.detail,
        "Received": when(r.received_at),
    }


def _downloads(user: UserView) -> None:
    ready = app_container().of(StoredExportService).ready(user)
    for export in ready.values():
        st.markdown(
            f"**Your download for request {escape_markdown(export.reference)} is ready:** "
            f"{byte_size(export.size_bytes)}, until {when(export.expires_at)}."
        )
        st.link_button(
            f"Download export {export.reference}",
            absolute_url(export.url),
            icon=":material/folder_zip:",
            type="primary",
        )
    if ready:
        st.caption("The link is yours alone. After the date above the file is deleted; ask again any time.")
