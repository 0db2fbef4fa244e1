"""The privacy centre's policies: the version of each document in force, with its text; any version coming, with
what changes and the lines that change (marked + and -, and in words, never by colour alone); and the user's
acknowledgements of announced changes."""

from __future__ import annotations

import streamlit as st

from core.bootstrap import app_container
from core.domain import UserView
from core.domain.policies import DiffLine, DiffMark
from core.services.policies import PolicyService, long_date
from core.services.policies_views import DocumentStatus, VersionView
from pages.components.safe_text import escape_markdown


def render(user: UserView) -> None:
    service = app_container().of(PolicyService)
    st.subheader("Policies", anchor="policies")
    st.caption("The privacy policy and terms in force, and any change announced, with exactly what it changes.")
    for status in service.documents():
        _document(service, status)
    _acknowledgements(service, user)


def _document(service: PolicyService, status: DocumentStatus) -> None:
    current = status.current
    st.markdown(
        f"**{escape_markdown(status.title)}**: version {escape_markdown(current.version)}, in force since "
        f"{long_date(current.effective)}."
    )
    with st.expander(f"Read the {status.title.lower()} in force"):
        st.markdown(current.policy.text)  # our own file, written as Markdown
    for coming in status.upcoming:
        _upcoming(service, status, coming)


def _upcoming(service: PolicyService, status: DocumentStatus, coming: VersionView) -> None:
    st.info(
        f"Version {escape_markdown(coming.version)} takes effect on {long_date(coming.effective)}. What changes: "
        f"{escape_markdown(coming.policy.summary)}",
        icon=":material/update:",
    )
    with st.expander(f"The changes, line by line ({status.title.lower()} {coming.version})"):
        lines = service.changes(status.document, coming.version)
        st.caption("Lines starting with + are added, lines starting with - are removed; ... skips unchanged text.")
        st.code(diff_text(lines), language=None, wrap_lines=True)
        added = sum(line.mark is DiffMark.ADDED for line in lines)
        removed = sum(line.mark is DiffMark.REMOVED for line in lines)
        st.caption(f"{added} lines added, {removed} lines removed.")
    with st.expander(f"Read version {coming.version} in full"):
        st.markdown(coming.policy.text)


def diff_text(lines: list[DiffLine]) -> str:
    """The diff as plain text: "+ " added, "- " removed, "  " unchanged."""
    return "\n".join(f"{line.sign} {line.text}" for line in lines)


def _acknowledgements(service: PolicyService, user: UserView) -> None:
    seen = service.acknowledgements(user)
    if not seen:
        st.caption("You have not been asked to acknowledge a policy change yet.")
        return
    st.markdown("**Changes you acknowledged**")
    st.dataframe(
        [
            {"Document": a.title, "Version": a.version, "Acknowledged (UTC)": a.at.strftime("%Y-%m-%d %H:%M")}
            for a in seen
        ],
        hide_index=True,
        width="stretch",
    )
