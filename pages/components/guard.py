"""The access guard every page calls first: the signed-in user and the shared frame, or sign-in and stop.

The frame is drawn here rather than in app.py because a freshly started server can run a
page file without app.py; every path into a page passes through this guard.
"""

from __future__ import annotations

import streamlit as st

from core.bootstrap import app_container
from core.domain import UserView
from core.errors import ValidationError
from pages.components.frame import sidebar

USER_KEY = "guard.user_id"


def current_user() -> UserView | None:
    user_id = st.session_state.get(USER_KEY)
    if user_id is None:
        return None
    user = app_container().accounts.get(user_id)
    if user is None:  # the account is gone: forget it
        st.session_state.pop(USER_KEY, None)
    return user


def require_user() -> UserView:
    user = current_user()
    if user is not None:
        sidebar(user)
        return user
    _local_sign_in()
    st.stop()
    raise AssertionError("unreachable")  # st.stop() raises; this keeps type checkers honest


def _local_sign_in() -> None:
    st.title("Sign in to Atelier")
    st.caption("Local sign-in for development: type any email address. No password, no email is sent.")
    with st.form("guard.sign_in"):
        email = st.text_input("Email", placeholder="you@example.com")
        submitted = st.form_submit_button("Sign in", type="primary")
    if not submitted:
        return
    try:
        user = app_container().accounts.sign_in_local(email)
    except ValidationError as exc:
        st.error(str(exc))
        return
    st.session_state[USER_KEY] = user.id
    st.rerun()
