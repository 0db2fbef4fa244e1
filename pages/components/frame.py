"""The frame every page shares: the environment badge, and the sidebar with the balance and the user menu."""

from __future__ import annotations

import streamlit as st

from core.bootstrap import app_container
from core.domain import UserView
from pages.components.safe_text import escape_markdown

BADGES = {
    "development": "Development mode · anyone can sign in as anyone",
    "test": "Test mode · anyone can sign in as anyone",
}


def environment_badge(app_env: str) -> None:
    """Outside production every page says so, so a deployment that forgot APP_ENV=production is obvious."""
    if app_env in BADGES:
        st.badge(BADGES[app_env], icon=":material/construction:", color="orange")


def sidebar(user: UserView) -> None:
    with st.sidebar:
        st.metric("Credits", f"{user.balance:,}")
        st.caption(f"Signed in as **{escape_markdown(user.email)}**")
        if st.button("Sign out", key="frame.sign_out", width="stretch", help="Signs you out in every tab and browser"):
            app_container().accounts.sign_out_everywhere(user)
            st.session_state.clear()
            st.rerun()
