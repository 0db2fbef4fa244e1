"""The floor of bench/gallery_browser.py: a page of the app with nothing but what every page draws (the guard and
the frame), and a mark drawn last. Routed only with APP_ENV=test (pages/components/navigation.py), never listed."""

from __future__ import annotations

import streamlit as st

from pages.components.guard import require_user

user = require_user()
with st.container(key="bench_floor"):
    st.caption("An empty page: the floor of the gallery's benchmark.")
