"""The access guard every page calls first: the signed-in user and the shared frame, or sign-in and stop.

The frame is drawn here rather than in app.py because a freshly started server can run a
page file without app.py; every path into a page passes through this guard.
"""

from __future__ import annotations

import streamlit as st

from core.bootstrap import app_container
from core.domain import UserView
from core.errors import ValidationError
from pages.components.frame import environment_badge, sidebar
from pages.components.safe_text import escape_markdown

USER_KEY = "guard.user_id"
VERSION_KEY = "guard.session_version"  # the account's session version when this session signed in
ENDED_KEY = "guard.ended_elsewhere"


def current_user() -> UserView | None:
    """The signed-in user, read fresh on every run; None once they signed out in any tab."""
    user_id = st.session_state.get(USER_KEY)
    if user_id is None:
        return None
    user = app_container().accounts.get(user_id)
    if user is None or user.session_version != st.session_state.get(VERSION_KEY):
        sign_out_here()
        st.session_state[ENDED_KEY] = user is not None
        return None
    return user


def sign_out_here() -> None:
    for key in (USER_KEY, VERSION_KEY):
        st.session_state.pop(key, None)


def require_user() -> UserView:
    environment_badge(app_container().settings.app_env.value)
    user = current_user()
    if user is not None:
        sidebar(user)
        return user
    _local_sign_in()
    st.stop()
    raise AssertionError("unreachable")  # st.stop() raises; this keeps type checkers honest


def _local_sign_in() -> None:
    st.title("Sign in to Atelier")
    if st.session_state.pop(ENDED_KEY, False):
        st.info("You were signed out, in this tab or another one. Sign in again to continue.")
    st.caption("Local sign-in for development: type any email address. No password, no email is sent.")
    with st.form("guard.sign_in"):
        email = st.text_input("Email", placeholder="you@example.com")
        submitted = st.form_submit_button("Sign in", type="primary")
    if not submitted:
        return
    try:
        user = app_container().accounts.sign_in_local(email)
    except ValidationError as exc:
        st.error(escape_markdown(str(exc)))
        return
    st.session_state[USER_KEY] = user.id
    st.session_state[VERSION_KEY] = user.session_version
    st.rerun()
