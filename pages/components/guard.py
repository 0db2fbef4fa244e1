"""The access guard every page calls first: the signed-in user, checked on every run, or the sign-in screen and stop.

With OIDC the identity comes from `st.user` (the provider's id_token, which Streamlit keeps in
a signed cookie); the account service then checks that this sign-in still counts: not signed
out, not ended by "sign out everywhere else", not older than SESSION_MAX_DAYS. With the
development sign-in, the session keeps a random session key, and the browser keeps it in a
signed, HttpOnly cookie (core.services.local_sessions) so a reload or a new tab stays signed
in; only an HTTP route of ours can set or delete that cookie. The frame is drawn here
rather than in app.py because a freshly started server can run a page file without app.py;
every path into a page passes through this guard.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import streamlit as st

from core.bootstrap import app_container
from core.domain import Role, SignedIn, UserView
from core.domain.url_params import SIGN_IN
from core.errors import SessionEndedError, ValidationError
from core.identity import ClientInfo, client_info, identity_from_claims
from core.services.erasure import ErasureService
from core.services.local_sessions import COOKIE
from core.web.session_routes import COOKIE_SCRIPT_PATH
from pages.components import policy_notice
from pages.components.flash import flash, show_flash
from pages.components.frame import environment_badge, sidebar, styles
from pages.components.safe_text import escape_markdown

LOCAL_KEY = "guard.local_session"  # development sign-in only: the random key of this tab's sign-in
HAND_OFF_KEY = "guard.hand_off"  # development sign-in only: True until this tab's sign-in is handed to the cookie
HAND_OFF_FAILED = "That sign-in link was already used or has expired. Sign in again."
ROLE_NAMES = {Role.TEAM: "the team", Role.ADMIN: "admins"}


@dataclass(frozen=True)
class Check:
    signed_in: SignedIn | None
    ended: SessionEndedError | None = None


def check() -> Check:
    """Who this browser is signed in as, right now. No UI: app.py uses it to build the navigation."""
    try:
        if oidc():
            if not st.user.get("is_logged_in"):
                return Check(None)
            identity = identity_from_claims(st.user.to_dict())
            return Check(app_container().accounts.resume(identity, _client()))
        key = st.session_state.get(LOCAL_KEY) or _cookie_session_key()
        if key is None:
            return Check(None)
        return Check(app_container().accounts.resume_local(key))
    except SessionEndedError as ended:
        return Check(None, ended)
    except ValidationError as exc:
        return Check(None, SessionEndedError("invalid", str(exc)))


def current_user() -> UserView | None:
    found = check().signed_in
    return found.user if found else None


def require_user(role: Role = Role.USER) -> UserView:
    """The signed-in user with at least `role`; anyone else sees the sign-in screen (or a refusal) and nothing else."""
    return require_session(role).user


def require_session(role: Role = Role.USER) -> SignedIn:
    """As `require_user`, with this browser's session key, for pages that act on the sign-in (the Account page)."""
    styles()
    environment_badge(app_container().settings.app_env.value, local_sign_in=not oidc())
    result = check()
    if result.signed_in is None:
        _sign_in_screen(result.ended)
        st.stop()
    signed_in = result.signed_in
    assert signed_in is not None
    signing_out = sidebar(signed_in.user)
    if st.session_state.pop(HAND_OFF_KEY, False):
        # Last in the sidebar: drawn on one run only, it must not move what follows it on the page (an element that
        # comes and goes before the page's own moves them, and Streamlit shows the old ones faded until a run ends).
        with st.sidebar:
            _hand_off_to_cookie(signed_in.session_key)
    if signing_out:
        sign_out(signed_in.session_key)
    show_flash()
    _erasure_notice(signed_in.user)
    policy_notice.render(signed_in.user)
    if not signed_in.user.has_role(role):
        st.title("Not available")
        st.error(f"This page is for {ROLE_NAMES.get(role, role.value)}.", icon=":material/lock:")
        st.stop()
    return signed_in


def _erasure_notice(user: UserView) -> None:
    """Signed in during the grace period of the account's erasure: every page says so and offers the way back,
    without blocking anything else (using the app does not cancel it; only this button does)."""
    service = app_container().of(ErasureService)
    scheduled = service.scheduled(user)
    if scheduled is None or scheduled.running:
        return
    notice, keep = st.columns([3, 1], vertical_alignment="center")
    notice.warning(
        f"Your account is scheduled for deletion on {scheduled.erase_after:%d %B %Y}.", icon=":material/event_busy:"
    )
    if keep.button("Keep my account", key="guard.keep_account", icon=":material/undo:", width="stretch"):
        service.cancel(user)
        flash("Your account is kept: the deletion is canceled.")
        st.rerun()


def oidc() -> bool:
    return app_container().settings.auth_mode == "oidc"


def sign_out(session_key: str) -> None:
    """End this browser's sign-in (every tab sharing it), then clear it here."""
    app_container().accounts.sign_out(session_key)
    if oidc():
        st.logout()
        st.stop()
    st.session_state.pop(LOCAL_KEY, None)
    # Other tabs sharing the cookie see the ended sign-in on their next run; this one posts the
    # sign-out form, whose route deletes the cookie (and ends the sign-in it names, once more).
    st.caption("Signing out…")
    _cookie_script(sign_out="yes")
    st.stop()


def _cookie_session_key() -> str | None:
    """The session key in this browser's sign-in cookie, if this server signed it (forged or malformed: None).

    Streamlit reads the cookies once, when the tab's session starts: a cookie set or deleted later
    counts from the next reload.
    """
    return app_container().local_sessions.session_key(st.context.cookies.get(COOKIE))


def _hand_off_to_cookie(session_key: str) -> None:
    """After a local sign-in, on the first run signed in: the page is drawn as usual (this tab keeps its
    key), while the browser fetches the cookie route with a one-time token, so a reload or a new tab
    finds the sign-in. A failed hand-off leaves this tab signed in; only a reload would ask again."""
    try:
        token = app_container().local_sessions.hand_off(session_key)
    except SessionEndedError:
        return  # signed out in another tab meanwhile: the next run shows the sign-in screen
    _cookie_script(token=token)


def _cookie_script(**data: str) -> None:
    """Our script from our own origin (the content security policy allows no inline script); it reads
    its task from the tag: `token` (post it for the cookie) or `sign_out` (post the sign-out form)."""
    attributes = "".join(
        f' data-{name.replace("_", "-")}="{html.escape(value, quote=True)}"' for name, value in data.items()
    )
    st.html(f'<script src="{COOKIE_SCRIPT_PATH}"{attributes}></script>', unsafe_allow_javascript=True)


def _client() -> ClientInfo:
    return client_info(st.context.ip_address, st.context.headers.get("User-Agent", ""))


def _sign_in_screen(ended: SessionEndedError | None) -> None:
    st.title("Sign in to Atelier")
    if ended is not None:
        (st.error if ended.reason in {"unverified", "invalid"} else st.info)(escape_markdown(str(ended)))
    if oidc():
        _provider_sign_in(ended)
    else:
        if SIGN_IN.read(st.query_params) == "failed":
            st.warning(HAND_OFF_FAILED, icon=":material/link_off:")
            del st.query_params[SIGN_IN.name]
        _local_sign_in()


def _provider_sign_in(ended: SessionEndedError | None) -> None:
    settings = app_container().settings
    provider = settings.auth_provider
    label = "Google" if provider == "google" else provider.capitalize()
    if ended is None:
        st.write("Create and edit images, keep them in a private gallery. Your first sign-in gives you free credits.")
    again = ended is not None and ended.reason not in {"unverified", "invalid"}
    text = "Sign in again" if again else f"Sign in with {label}"
    if st.button(text, type="primary", icon=":material/login:", key="guard.sign_in"):
        st.login(provider)
    if ended is not None and ended.reason in {"unverified", "invalid"} and st.button("Sign out", key="guard.sign_out"):
        st.logout()


def _local_sign_in() -> None:
    st.caption("Local sign-in for development: type any email address. No password, no email is sent.")
    admins = app_container().settings.admin_email_list
    if admins:
        st.caption("Addresses listed in ADMIN_EMAILS become admins: " + escape_markdown(", ".join(sorted(admins))))
    else:
        st.caption("To try the admin pages, start with ADMIN_EMAILS=you@example.com and sign in as that address.")
    with st.form("guard.sign_in"):
        email = st.text_input("Email", placeholder="you@example.com")
        submitted = st.form_submit_button("Sign in", type="primary")
    if not submitted:
        return
    try:
        signed_in = app_container().accounts.sign_in_local(email, _client())
    except (ValidationError, SessionEndedError) as exc:
        st.error(escape_markdown(str(exc)))
        return
    st.session_state[LOCAL_KEY] = signed_in.session_key
    st.session_state[HAND_OFF_KEY] = True  # the next run, signed in, sends the browser for its cookie
    st.rerun()
