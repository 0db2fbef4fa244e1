"""LocalSessions: the development sign-in handed to the browser as a signed cookie, through a one-time token.

A page cannot set an HttpOnly cookie, so after a local sign-in it has the browser call an HTTP
route with a random token; the route redeems the token (once, within a minute, in the database
so any replica can) and sets a cookie holding the sign-in's session key and an HMAC over it.
The guard checks the cookie's signature, then the sign-in itself, on every run. OIDC sign-ins
never use this: Streamlit keeps their cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from core.clock import Clock
from core.errors import SessionEndedError
from core.signing import Signer
from db.uow import Database

COOKIE = "atelier_session"
HANDOFF_TTL = timedelta(seconds=60)
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)
SESSION_KEY = re.compile(r"[0-9a-f]{64}")
SIGNATURE = re.compile(r"[0-9a-f]{64}")


class LocalSessions:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        secret: bytes,
        *,
        max_age: timedelta = timedelta(days=7),
        enabled: bool = True,
    ) -> None:
        self.db, self.clock = db, clock
        # A key of its own, so no signature made for media links can ever pass as a cookie.
        self._signer = Signer(hmac.new(secret, b"session-cookie", hashlib.sha256).digest(), "session-cookie")
        self.max_age_seconds = int(max_age.total_seconds())
        self.enabled = enabled  # False with AUTH_MODE=oidc: no token is redeemed, no cookie believed

    def hand_off(self, session_key: str) -> str:
        """A one-time token, valid for a minute, that the /auth/session route exchanges for this sign-in's cookie.

        Only the token's digest is stored; the token goes to this browser alone, in the redirect.
        """
        token = secrets.token_urlsafe(32)
        with self.db.uow() as uow:
            if not uow.sign_ins.start_handoff(session_key, _digest(token), self.clock() + HANDOFF_TTL):
                raise SessionEndedError("signed_out", "You signed out. Sign in again to continue.")
            uow.commit()
        return token

    def consume(self, token: str | None) -> str | None:
        """The session key a hand-off token names, at most once; None for a missing, malformed, unknown,
        expired, used or ended one (one answer for all, so probing tells nothing)."""
        if not self.enabled or not token or not TOKEN.fullmatch(token):
            return None
        with self.db.uow() as uow:
            key = uow.sign_ins.take_handoff(_digest(token), self.clock())
            uow.commit()
        return key

    def cookie_value(self, session_key: str) -> str:
        return f"{session_key}.{self._signer.sign(session_key)}"

    def session_key(self, cookie: str | None) -> str | None:
        """The session key of a cookie this server signed; None for a missing, malformed or forged one.

        Whether that sign-in still counts is the account service's question (`resume_local`).
        """
        if not self.enabled or not cookie or len(cookie) != 129:
            return None
        key, _, signature = cookie.partition(".")
        if not (SESSION_KEY.fullmatch(key) and SIGNATURE.fullmatch(signature)):
            return None
        return key if self._signer.verify(signature, key) else None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
