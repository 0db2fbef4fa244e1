"""Admin → Privacy queue: the form that logs a request received by email or post on the user's behalf, and the
auditors' downloads of the queue and the consent records as CSV."""

from __future__ import annotations

import streamlit as st

from core.bootstrap import app_container
from core.domain import UserView
from core.errors import AtelierError
from core.services.auditor_csv import AuditorCsvService
from core.services.privacy_queue import CHANNELS, PrivacyQueueService
from core.services.privacy_requests import RequestKind
from core.services.privacy_views import KIND_TITLES
from pages.components.flash import flash
from pages.components.safe_text import escape_markdown

KEY = "admin.privacy.log"


def log_form(service: PrivacyQueueService, admin: UserView) -> None:
    with st.expander("Log a request received by email or post", icon=":material/mail:"):
        with st.form(f"{KEY}.form"):
            st.text_input("The person's account email", key=f"{KEY}.email", max_chars=320)
            st.selectbox(
                "What they ask for", list(RequestKind), format_func=lambda k: KIND_TITLES[k.value], key=f"{KEY}.kind"
            )
            st.radio("Received by", list(CHANNELS), format_func=CHANNELS.__getitem__, horizontal=True, key=f"{KEY}.via")
            st.checkbox(
                "Urgent: a security matter",
                key=f"{KEY}.urgent",
                help=f"Due in {service.urgent_hours} hours instead of {service.response_days} days.",
            )
            st.text_area(
                "Their words (copy them from the letter or email)",
                max_chars=service.max_request_chars,
                key=f"{KEY}.words",
            )
            st.caption("The person is emailed that we received it, with the date we answer by.")
            st.form_submit_button("Log the request", type="primary", on_click=_log, args=(service, admin))
        if refusal := st.session_state.pop(f"{KEY}.refusal", None):
            st.error(escape_markdown(refusal))


def _log(service: PrivacyQueueService, admin: UserView) -> None:
    """Runs before the page (a callback), so on success the fields can be emptied for the next request; on a
    refusal what was typed stays, with the reason."""
    state = st.session_state
    try:
        logged = service.log_request(
            admin,
            state.get(f"{KEY}.email", ""),
            state.get(f"{KEY}.kind") or RequestKind.OTHER,
            state.get(f"{KEY}.words", ""),
            state.get(f"{KEY}.via") or "",
            urgent=bool(state.get(f"{KEY}.urgent")),
        )
    except AtelierError as exc:
        state[f"{KEY}.refusal"] = str(exc)
        return
    state[f"{KEY}.email"], state[f"{KEY}.words"], state[f"{KEY}.urgent"] = "", "", False
    flash(f"Request {logged.reference} logged; due {logged.due_at:%Y-%m-%d %H:%M} UTC.")


def auditor_downloads(admin: UserView) -> None:
    csvs = app_container().of(AuditorCsvService)
    with st.container(horizontal=True):
        # A callable is made only on the click (reference/streamlit.md 7.4): the audit entry is written then.
        st.download_button(
            "Download the queue as CSV",
            lambda: csvs.requests_csv(admin),
            file_name="privacy-requests.csv",
            mime="text/csv",
            icon=":material/download:",
            key=f"{KEY}.requests_csv",
        )
        st.download_button(
            "Download consent records as CSV",
            lambda: csvs.consents_csv(admin),
            file_name="consent-records.csv",
            mime="text/csv",
            icon=":material/download:",
            key=f"{KEY}.consents_csv",
        )
    st.caption(
        "For auditors. Each file is made when you click, and making it is written to the audit log. Cells that a "
        "spreadsheet would run as a formula are stored as text."
    )
