"""HTTP routes of the development sign-in's cookie: redeem a one-time token for it, end the sign-in, and the page's script.

Only an HTTP response can set an HttpOnly cookie, so the page has the browser call these routes.
Both change state, so both take only a POST from this app's own pages (core/web/origin.py).
Our content security policy allows no inline script (script-src 'self' and one hash), so the
page loads COOKIE_SCRIPT from this origin, which reads what to do from its own tag: post the
token to its route in the background (the tab stays as it is; reloads and new tabs get the
cookie), or post a sign-out form, which ends the sign-in, deletes the cookie and goes home.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from core.container import Container
from core.services.local_sessions import COOKIE
from core.web.bodies import limited_body
from core.web.origin import state_changing_route

SESSION_PATH = "/auth/session"
SIGNOUT_PATH = "/auth/signout"
COOKIE_SCRIPT_PATH = "/auth/cookie.js"
FAILED = "/?signin=failed"
NO_STORE = {"Cache-Control": "no-store"}
MAX_FORM_BYTES = 1024  # a token is 43 characters

# Posts only to this app's own sign-in routes, so the script cannot be turned into an open redirect.
COOKIE_SCRIPT = r"""(function () {
  var tag = document.currentScript;
  var token = tag && tag.getAttribute("data-token");
  if (token && /^[A-Za-z0-9_-]{43}$/.test(token)) {
    fetch("/auth/session", {method: "POST", body: new URLSearchParams({token: token}),
      credentials: "same-origin", redirect: "manual", cache: "no-store"});
  }
  if (tag && tag.getAttribute("data-sign-out") === "yes") {
    var form = document.createElement("form");
    form.method = "post";
    form.action = "/auth/signout";
    document.body.appendChild(form);
    form.submit();
  }
})();
"""


def session_routes(container: Callable[[], Container]) -> list[Route]:
    async def session(request: Request) -> Response:
        sessions = container().local_sessions
        # The token comes in the body, so no URL (and no access log) ever holds it.
        token = _form_field(await limited_body(request, MAX_FORM_BYTES), "token")
        # The redeeming UPDATE is blocking database work: off the event loop the pages share.
        key = await asyncio.to_thread(sessions.consume, token)
        if key is None:
            return RedirectResponse(FAILED, status_code=303, headers=NO_STORE)
        response = RedirectResponse("/", status_code=303, headers=NO_STORE)
        response.set_cookie(
            COOKIE,
            sessions.cookie_value(key),
            max_age=sessions.max_age_seconds,
            path="/",
            secure=_secure(request),
            httponly=True,
            samesite="lax",
        )
        return response

    async def signout(request: Request) -> Response:
        """Ends the sign-in the cookie names, not only the cookie: a copy of it kept elsewhere signs no one in."""
        await asyncio.to_thread(end_sign_in, request.cookies.get(COOKIE))
        response = RedirectResponse("/", status_code=303, headers=NO_STORE)
        response.delete_cookie(COOKIE, path="/", secure=_secure(request), httponly=True, samesite="lax")
        return response

    def end_sign_in(cookie: str | None) -> None:
        found = container()
        key = found.local_sessions.session_key(cookie)  # None for a missing, forged or malformed cookie
        if key is not None:
            found.accounts.sign_out(key)

    async def cookie_script(_request: Request) -> Response:
        return Response(
            COOKIE_SCRIPT,
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=3600"},
        )

    return [
        state_changing_route(SESSION_PATH, session),
        state_changing_route(SIGNOUT_PATH, signout),
        Route(COOKIE_SCRIPT_PATH, cookie_script, methods=["GET"]),
    ]


def _form_field(body: bytes | None, name: str) -> str | None:
    """One field of a small urlencoded form; None when the body is too large, not text, or lacks it."""
    if body is None:
        return None
    try:
        values = parse_qs(body.decode("ascii"), max_num_fields=4).get(name)
    except (UnicodeDecodeError, ValueError):
        return None
    return values[0] if values else None


def _secure(request: Request) -> bool:
    # The scheme the server saw: uvicorn already applies X-Forwarded-Proto from the proxies it
    # trusts (FORWARDED_ALLOW_IPS), and nothing in this app trusts that header beyond that.
    return request.url.scheme == "https"
