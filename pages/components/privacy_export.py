"""The privacy centre's "Download everything" (access and portability): what the ZIP holds, the size to
expect, and one button that makes the signed, hour-long link (which records the access request)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import streamlit as st

from core.bootstrap import app_container
from core.domain import UserView
from core.services.privacy_export import PrivacyExportService
from core.text import plural
from pages.components.gallery_export import FRESH_SECONDS, byte_size
from pages.components.media import absolute_url

KEY = "privacy.export"


@dataclass(frozen=True)
class _Link:
    user_id: int
    url: str
    at: float  # time.monotonic() when it was made


def render(user: UserView) -> None:
    service = app_container().of(PrivacyExportService)
    st.subheader("Download everything", anchor="download")
    st.write(
        "One ZIP with your account, every prompt and image with its settings and cost, your credits, orders,"
        " consents, sign-ins and privacy requests, as JSON and CSV, with a README that explains each file."
    )
    summary = service.summary(user)
    st.caption(
        f"{plural(summary.generation_count, 'generation')} and {plural(summary.image_count, 'image')}:"
        f" about {byte_size(summary.total_bytes_estimate)}."
    )
    link = st.session_state.get(KEY)
    if not isinstance(link, _Link) or link.user_id != user.id or time.monotonic() - link.at > FRESH_SECONDS:
        if not st.button("Prepare my download", key=f"{KEY}.prepare", icon=":material/inventory_2:", type="primary"):
            return
        with st.spinner("Signing your download link…"):
            link = st.session_state[KEY] = _Link(user.id, service.link(user), time.monotonic())
    st.link_button("Download everything", absolute_url(link.url), icon=":material/folder_zip:", type="primary")
    st.caption("The link is yours alone and works for an hour. If a download stops, open it again to start over.")
