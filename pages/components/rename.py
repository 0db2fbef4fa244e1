"""Saving the display name (rectification), the same from the Account page and the privacy centre."""

from __future__ import annotations

import streamlit as st

from core.bootstrap import app_container
from core.domain import UserView
from core.errors import AtelierError
from pages.components.flash import flash
from pages.components.safe_text import escape_markdown


def save_name(user: UserView, name: str) -> None:
    """Save it and rerun with "Name saved.", or say what is wrong with it."""
    try:
        app_container().accounts.rename(user, name)
    except AtelierError as exc:
        st.error(escape_markdown(str(exc)))
        return
    flash("Name saved.")
    st.rerun()
