"""A press repeated at once meets the job the first press made.

A double click, or a click repeated while the page was busy, reaches the server as a second press after the first
has made its job. Each kind of press remembers its latest (what was pressed, the token it used, when): the same
press again within DOUBLE_CLICK_SECONDS takes that token, and the service, which makes one job of a token however
often it arrives, meets the job already made. A later press, or a different one, is a new job.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import streamlit as st

DOUBLE_CLICK_SECONDS = 1.5


def token_for(key: str, what: str, fresh: Callable[[], str]) -> str:
    """The token for pressing `what`: the latest press's, remembered under `key`, when it was `what` too and came
    less than DOUBLE_CLICK_SECONDS ago; otherwise `fresh()`."""
    last = st.session_state.get(key)
    if isinstance(last, tuple) and len(last) == 3:
        pressed, token, at = last
        if pressed == what and time.monotonic() - at < DOUBLE_CLICK_SECONDS:
            return str(token)
    return fresh()


def remember(key: str, what: str, token: str) -> None:
    """After a press of `what` made (or met) its job with `token`."""
    st.session_state[key] = (what, token, time.monotonic())
