"""The access guard every page calls first: the signed-in user, checked on every run, or the sign-in screen and stop.

With OIDC the identity comes from `st.user` (the provider's id_token, which Streamlit keeps in
a signed cookie); the account service then checks that this sign-in still counts: not signed
out, not ended by "sign out everywhere else", not older than SESSION_MAX_DAYS. With the
development sign-in, the session keeps only a random session key. The frame is drawn here
rather than in app.py because a freshly started server can run a page file without app.py;
every path into a page passes through this guard.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from core.bootstrap import app_container
from core.domain import Role, SignedIn, UserView
from core.errors import SessionEndedError, ValidationError
from core.identity import ClientInfo, client_info, identity_from_claims
from pages.components.flash import show_flash
from pages.components.frame import environment_badge, sidebar
from pages.components.safe_text import escape_markdown

LOCAL_KEY = "guard.local_session"  # development sign-in only: the random key of this tab's sign-in
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
        key = st.session_state.get(LOCAL_KEY)
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
    environment_badge(app_container().settings.app_env.value, local_sign_in=not oidc())
    result = check()
    if result.signed_in is None:
        _sign_in_screen(result.ended)
        st.stop()
    signed_in = result.signed_in
    assert signed_in is not None
    if sidebar(signed_in.user):
        sign_out(signed_in.session_key)
    show_flash()
    if not signed_in.user.has_role(role):
        st.title("Not available")
        st.error(f"This page is for {ROLE_NAMES.get(role, role.value)}.", icon=":material/lock:")
        st.stop()
    return signed_in


def oidc() -> bool:
    return app_container().settings.auth_mode == "oidc"


def sign_out(session_key: str) -> None:
    """End this browser's sign-in (every tab sharing it), then clear it here."""
    app_container().accounts.sign_out(session_key)
    if oidc():
        st.logout()
        st.stop()
    st.session_state.pop(LOCAL_KEY, None)
    st.rerun()


def _client() -> ClientInfo:
    return client_info(st.context.ip_address, st.context.headers.get("User-Agent", ""))


def _sign_in_screen(ended: SessionEndedError | None) -> None:
    st.title("Sign in to Atelier")
    if ended is not None:
        (st.error if ended.reason in {"unverified", "invalid"} else st.info)(escape_markdown(str(ended)))
    if oidc():
        _provider_sign_in(ended)
    else:
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
    st.rerun()
