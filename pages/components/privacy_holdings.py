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
    st.caption(
        f"Stored in: **{escape_markdown(service.data_region)}**. Nothing is sold or used for advertising. "
        "The numbers count rows and files."
    )
    columns = st.columns(2, gap="medium")
    for index, holding in enumerate(held):
        with columns[index % 2].container(border=True):
            st.markdown(f"**{escape_markdown(holding.title)}**")
            st.markdown(
                "\n".join(f"- {escape_markdown(holds)}: **{count:,}**" for holds, count in holding.items)
                or "- " + "; ".join(escape_markdown(h) for h in holding.holds)
            )
            shared = "; ".join(holding.processors) or "nobody else"
            st.caption(f"Also received by: {escape_markdown(shared)}")


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
