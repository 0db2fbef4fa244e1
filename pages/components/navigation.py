"""The page list for one user, by role: each role sees only its pages. Every page still checks the role itself."""

from __future__ import annotations

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from core.domain import Role, UserView


def pages_for(user: UserView | None) -> dict[str, list[StreamlitPage]]:
    generate = st.Page("pages/generate.py", title="Generate", icon=":material/brush:", default=True)
    if user is None:
        return {"": [generate]}  # a guest sees the sign-in screen, whatever the URL
    sections = {
        "Studio": [generate, st.Page("pages/gallery.py", title="Gallery", icon=":material/photo_library:")],
        "You": [
            st.Page("pages/credits.py", title="Credits", icon=":material/toll:"),
            st.Page("pages/account.py", title="Account", icon=":material/account_circle:", url_path="account"),
        ],
    }
    if user.has_role(Role.ADMIN):
        sections["Admin"] = [
            st.Page("pages/admin_users.py", title="Users", icon=":material/group:", url_path="admin_users"),
            st.Page("pages/admin_audit.py", title="Audit log", icon=":material/policy:", url_path="admin_audit"),
        ]
    return sections
