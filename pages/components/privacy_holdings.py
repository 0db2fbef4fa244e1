"""The privacy centre's "What we hold about you", read from the map of personal data, and whom to complain to."""

from __future__ import annotations

import streamlit as st

from core.bootstrap import app_container
from core.domain import UserView
from core.services.privacy import PrivacyService
from pages.components.safe_text import escape_markdown

LINK_SCHEMES = ("https://", "http://", "mailto:")


def render(user: UserView) -> None:
    service = app_container().of(PrivacyService)
    st.subheader("What we hold about you", anchor="holdings")
    held = service.holdings(user)
    st.caption(f"Stored in: {escape_markdown(service.data_region)}. Nothing is sold or used for advertising.")
    st.dataframe(
        [
            {
                "Category": h.title,
                "Count": h.count,
                "What it holds": "; ".join(h.holds),
                "Stored in": h.region,
                "Also received by": "; ".join(h.processors) or "Nobody else",
            }
            for h in held
        ],
        hide_index=True,
        width="stretch",
        column_config={"Count": st.column_config.NumberColumn(format="%d", width="small")},
    )


def complaints() -> None:
    """The right to complain to a data protection authority, with the contact from settings."""
    settings = app_container().settings
    st.subheader("Complaints", anchor="complaints")
    st.markdown(
        "If you think we handle your data wrongly, you have the right to complain to "
        f"{escape_markdown(settings.complaint_authority)}. You don't have to ask us first."
    )
    contact = settings.complaint_contact.strip()
    if contact.startswith(LINK_SCHEMES):
        st.link_button("Contact the authority", contact, icon=":material/open_in_new:")
    elif "@" in contact and " " not in contact:
        st.link_button("Email the authority", f"mailto:{contact}", icon=":material/mail:")
    elif contact:
        st.markdown(f"Contact: {escape_markdown(contact)}")
