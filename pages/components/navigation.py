"""The page list for one user, by role: each role sees only its pages in the menu. Every page checks the role itself."""

from __future__ import annotations

from typing import Literal

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from core.bootstrap import app_container
from core.domain import Role, UserView
from core.settings import Environment

# The admin console, in the menu's order: (the page's file and address, its title, its icon).
ADMIN_PAGES = (
    ("admin_users", "Users", ":material/group:"),
    ("admin_privacy", "Privacy queue", ":material/inbox:"),
    ("admin_reviews", "Safety reviews", ":material/gpp_maybe:"),
    ("admin_outbox", "Outbox", ":material/outbox:"),
    ("admin_retention", "Retention", ":material/auto_delete:"),
    ("admin_policies", "Policies", ":material/gavel:"),
    ("admin_presets", "Presets", ":material/palette:"),
    ("admin_audit", "Audit log", ":material/policy:"),
)


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
    team: Literal["visible", "hidden"] = "visible" if user is not None and user.has_role(Role.TEAM) else "hidden"
    pages.append(st.Page("pages/lab.py", title="Lab", icon=":material/science:", url_path="lab", visibility=team))
    shown: Literal["visible", "hidden"] = "visible" if user is not None and user.has_role(Role.ADMIN) else "hidden"
    pages += [
        st.Page(f"pages/{name}.py", title=title, icon=icon, url_path=name, visibility=shown)
        for name, title, icon in ADMIN_PAGES
    ]
    if app_container().settings.app_env == Environment.TEST:  # the floor of bench/gallery_browser.py, never listed
        pages.append(st.Page("pages/bench_floor.py", title="Floor", url_path="bench-floor", visibility="hidden"))
    return pages
