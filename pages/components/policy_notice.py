"""The notice of an announced policy change, above every page (the guard draws it): from the announcement until
the user says OK, or until a while after the change took effect."""

from __future__ import annotations

import streamlit as st

from core.bootstrap import app_container
from core.domain import UserView
from core.errors import AtelierError
from core.services.policies import PolicyService, long_date
from core.services.policies_views import PolicyNotice
from pages.components.frame import page_link
from pages.components.safe_text import escape_markdown


def render(user: UserView) -> None:
    service = app_container().of(PolicyService)
    for notice in service.notices(user):
        _notice(service, user, notice)


def _notice(service: PolicyService, user: UserView, notice: PolicyNotice) -> None:
    changes = "changed on" if notice.in_effect else "changes on"
    key = f"guard.policy.{notice.document}.{notice.version}"
    with st.container(border=True, key=key):
        st.info(
            f"Our {escape_markdown(notice.title.lower())} {changes} {long_date(notice.effective)}.",
            icon=":material/policy:",
        )
        what, read, ok = st.columns([2, 2, 1], vertical_alignment="center")
        with what.expander("What changes"):
            st.markdown(escape_markdown(notice.summary))
        with read:
            page_link("pages/privacy.py", "Read it in Privacy → Policies", icon=":material/article:")
        if ok.button("OK", key=f"{key}.ok", help="Hide this notice: you have read it.", width="stretch"):
            try:
                service.acknowledge(user, notice.document, notice.version)
            except AtelierError as exc:
                st.error(escape_markdown(str(exc)))
                return
            st.rerun()
