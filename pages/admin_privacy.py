"""Admin → Privacy requests: every right exercised, the open ones first; open one (a staff read, audited) and
complete or deny it with an answer the user reads in their privacy centre."""

from __future__ import annotations

import streamlit as st

from core.bootstrap import app_container
from core.domain import Role
from core.errors import AtelierError
from core.services.privacy import PrivacyService
from core.services.privacy_requests import RequestStatus
from core.services.privacy_views import RequestDetail
from pages.components.flash import flash
from pages.components.guard import require_user
from pages.components.safe_text import escape_markdown

admin = require_user(Role.ADMIN)
OPENED_KEY = "admin.privacy.audited"  # the request whose opening was last written to the audit log
ANSWERS = {RequestStatus.COMPLETED: "Complete", RequestStatus.DENIED: "Deny"}
service = app_container().of(PrivacyService)

st.title("Privacy requests")
queue = service.requests(admin)
if not queue:
    st.info("No privacy requests yet.")
    st.stop()
st.caption(f"{sum(r.open for r in queue):,} open · {len(queue):,} in all. Open ones first, oldest first.")
st.dataframe(
    [
        {
            "Reference": r.reference,
            "Request": r.what,
            "Status": r.status_title,
            "Received (UTC)": r.received_at.strftime("%Y-%m-%d %H:%M"),
            "User": f"#{r.user_id}" if r.user_id is not None else "erased",
        }
        for r in queue
    ],
    hide_index=True,
    width="stretch",
)
shown = {r.id: r for r in queue}
chosen = st.selectbox(
    "Open a request",
    list(shown),
    index=None,
    format_func=lambda i: f"{shown[i].reference} · {shown[i].what} · {shown[i].status_title}" if i in shown else str(i),
    placeholder="Choose a request",
    help="Opening a request shows the person's words and address; it is written to the audit log.",
    key="admin.privacy.open",
)
if chosen is None or chosen not in shown:
    st.stop()


def _show(detail: RequestDetail) -> None:
    request = detail.request
    st.subheader(f"Request {request.reference}", anchor=False)
    asker = escape_markdown(detail.email) if detail.email else "an erased account"
    st.markdown(f"**{escape_markdown(request.what)}** from {asker}, received {request.received_at:%Y-%m-%d %H:%M} UTC.")
    if request.detail:
        st.text(request.detail)  # the user's own words, shown as they are
    if not request.open:
        st.markdown(
            f"**{request.status_title}.** " + (f"Answer: {escape_markdown(request.answer)}" if request.answer else "")
        )
        return
    with st.form(f"admin.privacy.answer.{request.id}"):
        answer = st.text_area(
            "Answer (the user reads it in their privacy centre)",
            max_chars=service.max_request_chars,
            key=f"admin.privacy.answer_text.{request.id}",
        )
        status = st.radio("Outcome", list(ANSWERS), format_func=ANSWERS.__getitem__, horizontal=True)
        if st.form_submit_button("Send answer") and status is not None:
            try:
                service.answer(admin, request.id, answer, status)
                flash(f"Request {request.reference}: {ANSWERS[status].lower()}d, and the user can read the answer.")
                st.rerun()
            except AtelierError as exc:
                st.error(escape_markdown(str(exc)))


try:
    opened = service.open_request(admin, chosen, audited=st.session_state.get(OPENED_KEY) != chosen)
    st.session_state[OPENED_KEY] = chosen
except AtelierError as exc:
    st.error(escape_markdown(str(exc)))
    st.stop()
_show(opened)
