"""HTTP routes of the development sign-in's cookie: redeem a one-time token for it, delete it, and the page's script.

Only an HTTP response can set an HttpOnly cookie, so the page has the browser call these routes.
Our content security policy allows no inline script (script-src 'self' and one hash), so the
page loads COOKIE_SCRIPT from this origin, which reads what to do from its own tag: fetch the
token's route in the background (the tab stays as it is; reloads and new tabs get the cookie),
or go to the sign-out route.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from core.container import Container
from core.services.local_sessions import COOKIE

SESSION_PATH = "/auth/session"
SIGNOUT_PATH = "/auth/signout"
COOKIE_SCRIPT_PATH = "/auth/cookie.js"
FAILED = "/?signin=failed"
# The token is in the query string: no cache keeps it. The Referrer-Policy stays the app's
# same-origin: a redirect never becomes a document, so its URL is never anyone's referrer.
NO_STORE = {"Cache-Control": "no-store"}

# Calls only this app's own sign-in routes, so the script cannot be turned into an open redirect.
COOKIE_SCRIPT = r"""(function () {
  var tag = document.currentScript;
  var session = tag && tag.getAttribute("data-session");
  if (session && /^\/auth\/session\?token=[A-Za-z0-9_-]{43}$/.test(session)) {
    fetch(session, {credentials: "same-origin", redirect: "manual", cache: "no-store"});
  }
  if (tag && tag.getAttribute("data-go") === "/auth/signout") {
    window.location.replace("/auth/signout");
  }
})();
"""


def session_routes(container: Callable[[], Container]) -> list[Route]:
    async def session(request: Request) -> Response:
        sessions = container().local_sessions
        # The redeeming UPDATE is blocking database work: off the event loop the pages share.
        key = await asyncio.to_thread(sessions.consume, request.query_params.get("token"))
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
        response = RedirectResponse("/", status_code=303, headers=NO_STORE)
        response.delete_cookie(COOKIE, path="/", secure=_secure(request), httponly=True, samesite="lax")
        return response

    async def cookie_script(_request: Request) -> Response:
        return Response(
            COOKIE_SCRIPT,
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=3600"},
        )

    return [
        Route(SESSION_PATH, session, methods=["GET"]),
        Route(SIGNOUT_PATH, signout, methods=["GET", "POST"]),
        Route(COOKIE_SCRIPT_PATH, cookie_script, methods=["GET"]),
    ]


def _secure(request: Request) -> bool:
    # The scheme the server saw: uvicorn already applies X-Forwarded-Proto from the proxies it
    # trusts (FORWARDED_ALLOW_IPS), and nothing in this app trusts that header beyond that.
    return request.url.scheme == "https"
