"""An admin page's address opened by someone who is not an admin: the app's own "This page is for admins" (or the
sign-in screen for a guest), never Streamlit's "Page not found" and never admin data; the menu lists the admin pages
to admins only."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.bootstrap import Container
from core.domain import Role, UserView
from tests.app.conftest import ROOT
from tests.markdown import unescape

ADMIN_PAGES = {
    "pages/admin_users.py": "Users",
    "pages/admin_privacy.py": "Privacy queue",
    "pages/admin_reviews.py": "Safety reviews",
    "pages/admin_policies.py": "Policies",
    "pages/admin_retention.py": "Retention",
    "pages/admin_outbox.py": "Outbox",
    "pages/admin_presets.py": "Presets",
    "pages/admin_audit.py": "Audit log",
}


def texts(at: AppTest) -> str:
    kinds = ("title", "markdown", "caption", "info", "error", "warning", "text")
    return unescape(" | ".join(str(e.value) for kind in kinds for e in at.get(kind)))


def with_role(c: Container, email: str, role: Role) -> UserView:
    user = c.accounts.sign_in_local(email).user
    if role != Role.USER:
        admin = c.accounts.sign_in_local("admin@example.com").user  # ADMIN_EMAILS in the app tests
        c.admin.set_role(admin, user.id, role)
    found = c.accounts.get(user.id)  # the account as it is now, with its new role
    assert found is not None
    return found


MENU_SCRIPT = """
import streamlit as st

from pages.components.navigation import pages_for

st.session_state["menus"] = [[(p.title, p.visibility) for p in pages_for(user)] for user in st.session_state["users"]]
"""


def menus(tmp_path: Path, users: list[UserView | None]) -> list[list[tuple[str, str]]]:
    """The page list app.py builds for each user, as (title, visibility). st.Page finds page files beside the main
    script, so this one runs beside a link to the app's pages/ folder."""
    tmp_path.mkdir()
    (tmp_path / "pages").symlink_to(ROOT / "pages", target_is_directory=True)
    (tmp_path / "menu.py").write_text(MENU_SCRIPT)
    at = AppTest.from_file(str(tmp_path / "menu.py"))
    at.session_state["users"] = users
    return list(at.run().session_state["menus"])


def test_the_menu_lists_the_admin_pages_to_admins_only(app_settings: Container, tmp_path: Path) -> None:
    people = [None, *(with_role(app_settings, f"{r.value}@example.org", r) for r in (Role.USER, Role.TEAM))]
    admin = app_settings.accounts.sign_in_local("admin@example.com").user
    guest, user, team, boss = menus(tmp_path / "menu", [*people, admin])
    studio = ["Generate", "Gallery", "Credits", "Billing", "Account", "Privacy"]
    for seen in (guest, user):
        assert [title for title, shown in seen if shown == "visible"] == studio
    assert [title for title, shown in team if shown == "visible"] == [*studio, "Lab"]  # the team's prompt lab
    assert [title for title, shown in boss if shown == "visible"][:7] == [*studio, "Lab"]
    assert [title for title, shown in boss if shown == "visible"][-8:] == [
        "Users",
        "Privacy queue",
        "Safety reviews",
        "Outbox",
        "Retention",
        "Policies",
        "Presets",
        "Audit log",
    ]


@pytest.mark.parametrize("role", [Role.USER, Role.TEAM])
@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_a_user_or_team_member_opening_an_admin_address_gets_the_apps_refusal_and_no_admin_data(
    app_settings: Container, open_app: Callable[..., AppTest], role: Role, page: str
) -> None:
    email = f"{role.value}-{page.removeprefix('pages/admin_').removesuffix('.py')}@example.org"
    with_role(app_settings, email, role)
    at = open_app(email)
    at.switch_page(page).run()  # what opening /admin_users or /admin_audit does: app.py routes it
    assert [t.value for t in at.title] == ["Not available"]
    assert "This page is for admins." in texts(at)
    assert "Page not found" not in texts(at)
    assert not at.dataframe and not at.table and not at.text_input and not at.selectbox and not at.download_button
    assert "admin@example.com" not in texts(at)


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_a_guest_opening_an_admin_address_gets_the_sign_in_screen(
    app_settings: Container, open_app: Callable[..., AppTest], page: str
) -> None:
    at = open_app(None)
    at.switch_page(page).run()
    assert [t.value for t in at.title] == ["Sign in to Atelier"]
    assert not at.dataframe and not at.table and not at.selectbox


@pytest.mark.parametrize(("page", "title"), ADMIN_PAGES.items())
def test_an_admin_opening_the_same_address_gets_the_page(
    app_settings: Container, open_app: Callable[..., AppTest], page: str, title: str
) -> None:
    at = open_app("admin@example.com")
    at.switch_page(page).run()
    assert [t.value for t in at.title] == [title]
