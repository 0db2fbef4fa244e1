"""Privacy centre: what we hold about you, your consents and choices, a download of everything, corrections,
human review of automated safety blocks, deleting your account, the policies and their changes, and whom to
complain to."""

from __future__ import annotations

import streamlit as st

from pages.components import (
    privacy_consents,
    privacy_erasure,
    privacy_export,
    privacy_holdings,
    privacy_policies,
    privacy_rectify,
    privacy_requests,
    privacy_reviews,
    privacy_shares,
)
from pages.components.guard import require_session

signed_in = require_session()
user = signed_in.user

st.title("Privacy")
st.caption("Every right the privacy policy gives you, here, without writing to anyone.")
SECTIONS = {
    "holdings": "What we hold",
    "choices": "Choices",
    "download": "Download",
    "shares": "Shared links",
    "correct": "Corrections",
    "requests": "Your requests",
    "automated": "Automated decisions",
    "delete-account": "Deleting your account",
    "policies": "Policies",
    "complaints": "Complaints",
}
# Links to each section below (their names differ from the sections' own buttons, for screen readers).
st.markdown(" · ".join(f"[{title}](#{anchor})" for anchor, title in SECTIONS.items()))
privacy_holdings.render(user)
privacy_consents.render(user)
privacy_export.render(user)
privacy_shares.render(user)
privacy_rectify.render(user)
privacy_requests.render(user)
privacy_reviews.render(user)
privacy_erasure.render(user)
privacy_policies.render(user)
privacy_holdings.complaints()
