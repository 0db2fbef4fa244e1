"""The frame every page shares: the environment badge, the balance in the header, and the sidebar with the user
and Sign out."""

from __future__ import annotations

import base64
import hashlib
import html
from functools import cache
from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from core.domain import Role, UserView
from pages.components.safe_text import escape_markdown

BADGES = {"development": "Development mode", "test": "Test mode"}
LOCAL_SIGN_IN = " · anyone can sign in as anyone"
ROLE_BADGES = {Role.TEAM: ("Team", "blue"), Role.ADMIN: ("Admin", "violet")}
# White initials on each pass WCAG AA (4.5:1).
AVATAR_COLOURS = ("#b84a2a", "#3a5fc0", "#2f7a52", "#7d44a8", "#8a6420", "#2c6f86")
STYLES = Path(__file__).parent / "styles"
LOGO = "assets/logo.png"


def environment_badge(app_env: str, local_sign_in: bool) -> None:
    """Outside production every page says so (and whether the development sign-in is on), so a deployment
    that forgot APP_ENV=production is obvious."""
    if app_env in BADGES:
        text = BADGES[app_env] + (LOCAL_SIGN_IN if local_sign_in else "")
        st.badge(text, icon=":material/construction:", color="orange")


def sidebar(user: UserView) -> bool:
    """Draws the header's balance and the sidebar's user card; True when Sign out was clicked."""
    with st.container(key="topbar", horizontal=True, gap="small", width="content"):
        page_link(
            "pages/credits.py",
            f"{user.balance:,} {'credit' if user.balance == 1 else 'credits'}",
            icon=":material/toll:",
            help="Your balance. Open the Credits page to see every change.",
        )
    with st.sidebar:
        with st.container(horizontal=True, vertical_alignment="center"):
            avatar(user.display_name or user.email, size=40)
            with st.container(gap=None):
                st.markdown(f"**{escape_markdown(user.display_name)}**")
                st.caption(f"Signed in as **{escape_markdown(user.email)}**")
        if user.role in ROLE_BADGES:
            label, colour = ROLE_BADGES[user.role]
            st.badge(label, color=colour, icon=":material/badge:")  # type: ignore[arg-type]
        return st.button("Sign out", key="frame.sign_out", width="stretch", icon=":material/logout:")


def avatar(name: str, size: int) -> None:
    """The initials on a colour picked from the name. Never the provider's picture: a browser that loads it from
    Google's host tells Google who uses Atelier, when and from where (issue 19: no third party sees our users'
    browsers), and the content security policy allows images from our own origin only."""
    letters = "".join(part[0] for part in name.replace("@", " ").replace(".", " ").split()[:2]).upper() or "?"
    colour = AVATAR_COLOURS[hashlib.sha256(name.encode()).digest()[0] % len(AVATAR_COLOURS)]
    st.html(
        f'<div role="img" aria-label="{html.escape(name, quote=True)}" style="width:{size}px;height:{size}px;'
        f"border-radius:50%;background:{colour};color:#fff;display:flex;align-items:center;"
        f'justify-content:center;font-weight:600;font-size:{size * 0.4:.0f}px">{html.escape(letters)}</div>',
        width=size,
    )


def styles() -> None:
    """Atelier's few additions to Streamlit's look (pages/components/styles/*.css), on every page."""
    st.html(f"<style>{_stylesheet()}</style>")


@cache
def _stylesheet() -> str:
    return "\n".join(path.read_text() for path in sorted(STYLES.glob("*.css")))


def page_link(page: str, label: str, *, icon: str, help: str | None = None) -> None:
    """st.page_link, or a plain link when the page runs on its own, outside the app's navigation."""
    try:
        st.page_link(page, label=label, icon=icon, help=help)
    except StreamlitPageNotFoundError:
        url_path = page.removeprefix("pages/").removesuffix(".py")
        st.markdown(f"{icon} [{escape_markdown(label)}](/{url_path})", help=help)


@cache
def logo() -> str:
    """The logo as a data URL: sent with the page, never a media file, which Streamlit keeps per process and drops
    when a run that did not draw it ends; the browser then asked for a logo that was gone (a 404 and "Sidebar Logo
    source error", seen under load and after a replica's failover)."""
    return "data:image/png;base64," + base64.b64encode(Path(LOGO).read_bytes()).decode()
