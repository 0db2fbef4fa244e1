"""The page list for one user, by role: each role sees only its pages in the menu. Every page checks the role itself."""

from __future__ import annotations

from typing import Literal

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from core.domain import Role, UserView


def pages_for(user: UserView | None) -> list[StreamlitPage]:
    """One flat list: Streamlit's sectioned menu puts headers inside its <ul>, which screen readers
    (and axe) reject as list markup, so the order alone groups the studio, the user's and the admin pages."""
    pages = [
        st.Page("pages/generate.py", title="Generate", icon=":material/brush:", default=True),
        st.Page("pages/gallery.py", title="Gallery", icon=":material/photo_library:"),
        st.Page("pages/credits.py", title="Credits", icon=":material/toll:"),
        st.Page("pages/billing.py", title="Billing", icon=":material/payments:", url_path="billing"),
        st.Page("pages/account.py", title="Account", icon=":material/account_circle:", url_path="account"),
        st.Page("pages/privacy.py", title="Privacy", icon=":material/shield_person:", url_path="privacy"),
    ]
    # A guest gets the same user pages (app.py hides the menu), so a bookmarked link shows the
    # sign-in screen rather than "page not found"; each page's guard shows it. The admin pages are
    # always routed too, and listed only for admins: anyone else who opens one by its address gets
    # its guard's own refusal ("This page is for admins"), never Streamlit's "Page not found".
    shown: Literal["visible", "hidden"] = "visible" if user is not None and user.has_role(Role.ADMIN) else "hidden"
    pages += [
        st.Page(
            "pages/admin_users.py", title="Users", icon=":material/group:", url_path="admin_users", visibility=shown
        ),
        st.Page(
            "pages/admin_privacy.py",
            title="Privacy queue",
            icon=":material/inbox:",
            url_path="admin_privacy",
            visibility=shown,
        ),
        st.Page(
            "pages/admin_reviews.py",
            title="Safety reviews",
            icon=":material/gpp_maybe:",
            url_path="admin_reviews",
            visibility=shown,
        ),
        st.Page(
            "pages/admin_audit.py",
            title="Audit log",
            icon=":material/policy:",
            url_path="admin_audit",
            visibility=shown,
        ),
    ]
    return pages
