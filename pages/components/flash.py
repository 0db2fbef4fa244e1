"""One-shot messages that survive the rerun after an action ("Name saved."), shown as a toast on the next run."""

from __future__ import annotations

import streamlit as st

KEY = "flash.message"


def flash(message: str) -> None:
    st.session_state[KEY] = message


def show_flash() -> None:
    if message := st.session_state.pop(KEY, None):
        st.toast(message, icon=":material/check:")
