"""A user who signed in with Google has a profile picture at Google: no page hands it to the browser to load."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.app.fake_user import claims

GOOGLE_PICTURE = "https://lh3.googleusercontent.com/a/ACg8ocK-alice=s96-c"


def drawn_markup(at: AppTest) -> str:
    """Every piece of raw HTML the run drew (st.html), in the main area and the sidebar."""
    return "\n".join(element.proto.body for element in at.get("html"))


def test_a_google_profile_picture_is_never_drawn_the_initials_are(oidc_app) -> None:
    at, c = oidc_app(claims(picture=GOOGLE_PICTURE))
    user = c.accounts.get(1)
    assert user is not None and user.avatar_url == GOOGLE_PICTURE  # the sign-in kept it: the page had it to draw
    for script in ("app.py", "pages/account.py"):
        at, _ = oidc_app(claims(picture=GOOGLE_PICTURE), script=script)
        markup = drawn_markup(at)
        assert 'aria-label="Alice Example"' in markup and ">AE</div>" in markup, script  # the initials
        assert "googleusercontent" not in markup and "<img" not in markup, script
