"""The development sign-in's hand-off to the cookie, through AppTest (no browser, so no script runs): the page
asks for the cookie once, with a token that only the route can use and session state never holds."""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

from pages.components.guard import LOCAL_KEY
from tests.app.conftest import ROOT
from tests.app.frame import balance
from tests.markdown import unescape

COOKIE_SCRIPT = re.compile(r'<script src="/auth/cookie\.js" data-(token|sign-out)="([^"]+)"></script>')


def cookie_scripts(at: AppTest) -> list[tuple[str, str]]:
    found = [COOKIE_SCRIPT.fullmatch(str(e.proto.body)) for e in at.get("html")]
    return [(m[1], m[2]) for m in found if m]


def click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click()
    return at.run()


def sign_in_by_form(open_app, email: str = "newcomer@example.com") -> AppTest:  # type: ignore[no-untyped-def]
    at = open_app(email=None)
    at.text_input[0].input(email)
    return click(at, "Sign in")


def test_after_signing_in_the_page_asks_once_for_the_cookie_with_a_token_for_this_sign_in(
    open_app, app_settings
) -> None:
    at = sign_in_by_form(open_app)
    assert balance(at) == 20  # the tab is signed in at once, the cookie or not
    [(task, token)] = cookie_scripts(at)
    assert task == "token"
    assert at.session_state.to_dict() and not [k for k, v in at.session_state.items() if token in str(v)]
    assert app_settings.local_sessions.consume(token) == at.session_state[LOCAL_KEY]
    at.run()
    assert cookie_scripts(at) == []  # later runs do not ask again


def test_a_used_or_expired_sign_in_link_is_explained_and_removed_from_the_address(app_settings) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.query_params["signin"] = "failed"
    at.run()
    assert [t.value for t in at.title] == ["Sign in to Atelier"]
    assert [unescape(str(w.value)) for w in at.warning] == [
        "That sign-in link was already used or has expired. Sign in again."
    ]
    assert "signin" not in at.query_params


def test_signing_out_ends_the_sign_in_and_sends_the_browser_to_delete_the_cookie(open_app, app_settings) -> None:
    at = open_app()
    key = at.session_state[LOCAL_KEY]
    at = click(at, "Sign out")
    assert cookie_scripts(at) == [("sign-out", "yes")]
    assert LOCAL_KEY not in at.session_state
    with app_settings.db.reader() as uow:
        found = uow.sign_ins.by_key(key)
        assert found is not None and found.ended_at is not None
