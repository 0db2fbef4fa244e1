"""Sign-in, roles and the account pages with a faked `st.user` (AUTH_MODE=oidc): what each person sees."""

from __future__ import annotations

import time

import pytest
from streamlit.testing.v1 import AppTest

from core.domain import Preferences
from tests.app.fake_user import claims
from tests.app.frame import balance, shown_balance
from tests.markdown import unescape

ADMIN = claims("admin-sub", "admin@example.com", name="Ada Admin")
ALICE = claims("alice-sub", "alice@example.com", name="Alice Example")
DAY = 86400


def texts(at: AppTest) -> str:
    parts = [
        str(e.value) for kind in ("title", "markdown", "caption", "info", "error", "warning") for e in at.get(kind)
    ]
    return unescape(" | ".join(parts))


def nav_titles(at: AppTest) -> list[str]:
    """The pages st.navigation offers this user (AppTest raises on a page it did not register)."""
    found = []
    for page in ("pages/generate.py", "pages/account.py", "pages/admin_users.py", "pages/admin_audit.py"):
        try:
            at.switch_page(page)
            found.append(page)
        except ValueError:
            pass
    return found


def test_a_guest_sees_only_the_provider_sign_in(oidc_app) -> None:
    at, _ = oidc_app(None)
    assert [t.value for t in at.title] == ["Sign in to Atelier"]
    assert [b.label for b in at.button] == ["Sign in with Testidp"]
    assert shown_balance(at) is None


def test_a_signed_in_user_sees_their_name_balance_and_no_admin_pages(oidc_app) -> None:
    at, _ = oidc_app(ALICE)
    assert [t.value for t in at.title] == ["Generate"]
    sidebar = unescape(" ".join(str(m.value) for m in [*at.sidebar.markdown, *at.sidebar.caption]))
    assert "Alice Example" in sidebar and "alice@example.com" in sidebar
    assert balance(at) == 20
    # The admin pages are routed for everyone but listed for admins only (tests/app/test_admin_addresses.py):
    # their address shows the page's own refusal.
    at.switch_page("pages/admin_users.py").run()
    assert "This page is for admins." in texts(at) and not at.dataframe


def test_an_admin_gets_the_admin_pages_in_the_navigation(oidc_app) -> None:
    at, _ = oidc_app(ADMIN)
    assert nav_titles(at) == ["pages/generate.py", "pages/account.py", "pages/admin_users.py", "pages/admin_audit.py"]
    at.switch_page("pages/admin_users.py").run()
    assert [t.value for t in at.title] == ["Users"]


@pytest.mark.parametrize("page", ["pages/admin_users.py", "pages/admin_audit.py"])
def test_an_admin_page_run_directly_shows_nothing_to_a_user_or_a_guest(oidc_app, page: str) -> None:
    """A freshly started server runs pages/*.py without app.py: the page's own guard must refuse."""
    user, _ = oidc_app(ALICE, script=page)
    assert [t.value for t in user.title] == ["Not available"]
    assert "This page is for admins." in texts(user)
    assert not user.dataframe and not user.text_input and not user.selectbox
    guest, _ = oidc_app(None, script=page)
    assert [t.value for t in guest.title] == ["Sign in to Atelier"]
    assert not guest.dataframe and not guest.selectbox


def test_an_unverified_email_is_refused_with_a_clear_message(oidc_app) -> None:
    at, c = oidc_app(claims("unverified-sub", "u@example.com", email_verified=False))
    assert "has not verified" in texts(at)
    assert shown_balance(at) is None
    with c.db.reader() as uow:
        assert uow.users.by_identity("https://idp.example.test", "unverified-sub") is None


def test_a_sign_in_older_than_the_limit_asks_to_sign_in_again(oidc_app) -> None:
    at, _ = oidc_app({**ALICE, "iat": int(time.time()) - 8 * DAY})
    assert "a sign-in lasts 7 days" in texts(at)
    assert [b.label for b in at.button] == ["Sign in again"]
    assert shown_balance(at) is None


def test_sign_out_everywhere_else_signs_the_other_browser_out_on_its_next_run(oidc_app) -> None:
    here, _ = oidc_app({**ALICE, "nonce": "laptop"}, script="pages/account.py")
    there, _ = oidc_app({**ALICE, "nonce": "phone"})
    assert [t.value for t in there.title] == ["Generate"]
    [button] = [b for b in here.button if b.label == "Sign out everywhere else"]
    button.click().run()
    there.run()
    assert "signed out from another device" in texts(there)
    here.run()
    assert [t.value for t in here.title] == ["Account"]


def test_the_account_page_renames_and_lists_this_browsers_sign_in(oidc_app) -> None:
    at, _ = oidc_app(ALICE, script="pages/account.py")
    at.text_input[0].input("  Ally   B ")
    [save] = [b for b in at.button if b.label == "Save name"]
    save.click().run()
    assert "Ally B" in unescape(" ".join(str(m.value) for m in at.sidebar.markdown))
    assert at.dataframe[0].value["Status"].tolist() == ["This browser"]


def test_a_blank_name_is_refused_and_the_old_one_kept(oidc_app) -> None:
    at, _ = oidc_app(ALICE, script="pages/account.py")
    at.text_input[0].input("   ")
    [save] = [b for b in at.button if b.label == "Save name"]
    save.click().run()
    assert "Enter a name of 1 to 80 characters." in texts(at)
    assert "Alice Example" in unescape(" ".join(str(m.value) for m in at.sidebar.markdown))


def test_the_generate_page_starts_from_the_saved_preferences(oidc_app) -> None:
    at, c = oidc_app(ALICE)
    user = c.accounts.get(1)
    assert user is not None
    c.accounts.save_preferences(user, Preferences(aspect_ratio="16:9", output_format="png", num_images=3))
    fresh, _ = oidc_app({**ALICE, "nonce": "new tab"})
    assert fresh.radio(key="generate.count").value == 3
    assert fresh.selectbox(key="generate.aspect_ratio").value == "16:9"
    assert fresh.radio(key="generate.format").value == "png"
    assert "Generate · 3 credits" in [b.label for b in fresh.button]


def test_with_a_provider_the_environment_badge_does_not_claim_anyone_can_sign_in(oidc_app) -> None:
    for at, _ in (oidc_app(None), oidc_app(ALICE)):
        badges = [str(b.value) for b in at.markdown if "Test mode" in str(b.value)]
        assert badges and "anyone can sign in" not in badges[0]
