"""The frame every page shares: the sidebar with the balance and the user menu."""

from __future__ import annotations

import streamlit as st

from core.domain import UserView


def sidebar(user: UserView) -> None:
    with st.sidebar:
        st.metric("Credits", f"{user.balance:,}")
        st.caption(f"Signed in as **{user.email}**")
        if st.button("Sign out", key="frame.sign_out", width="stretch"):
            st.session_state.clear()
            st.rerun()
