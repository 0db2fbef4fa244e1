"""The privacy centre's corrections: edit your name here, or ask for a correction of anything else (the request and
our answer are listed under "Your requests", pages/components/privacy_requests.py)."""

from __future__ import annotations

import streamlit as st

from core.bootstrap import app_container
from core.domain import UserView
from core.errors import AtelierError
from core.services.privacy import PrivacyService
from pages.components.flash import flash
from pages.components.rename import save_name
from pages.components.safe_text import escape_markdown

NAME_KEY = "privacy.rectify.name"
DETAIL_KEY = "privacy.rectify.detail"


def render(user: UserView) -> None:
    service = app_container().of(PrivacyService)
    st.subheader("Correct your data", anchor="correct")
    _name(user)
    _ask(service, user)


def _name(user: UserView) -> None:
    accounts = app_container().accounts  # the Account page's own rule: one place decides what a name may be
    with st.form("privacy.rectify.name_form", border=False), st.container(horizontal=True, vertical_alignment="bottom"):
        name = st.text_input(
            "Your name", value=user.display_name, max_chars=accounts.max_name_chars, key=NAME_KEY,
            help="How Atelier addresses you. Your email comes from your sign-in provider: change it there.",
        )  # fmt: skip
        if st.form_submit_button("Save name"):
            save_name(user, name)


def _ask(service: PrivacyService, user: UserView) -> None:
    with st.form("privacy.rectify.ask_form"):
        st.markdown("**Ask for a correction of anything else**")
        detail = st.text_area(
            "What is wrong, and what should it be?",
            max_chars=service.max_request_chars,
            key=DETAIL_KEY,
            help="An admin reads it and answers here, usually within 30 days.",
        )
        if st.form_submit_button("Send request"):
            try:
                sent = service.ask_correction(user, detail)
                st.session_state.pop(DETAIL_KEY, None)  # a fresh box for the next one; kept on an error
                flash(f"Request {sent.reference} received. We answer under Your requests, below.")
                st.rerun()
            except AtelierError as exc:
                st.error(escape_markdown(str(exc)))
