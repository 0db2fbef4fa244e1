"""The rule for every HTTP route of ours that changes state: POST only, and only from a page of this app.

A GET must never change anything: a link, an <img>, a prefetch or another site's page can make a
browser send one. A POST from another site is refused too. The browser says where a request comes
from, and no page can forge either header: `Sec-Fetch-Site` (sent over https and to localhost),
which is believed first because it still holds behind a proxy that rewrites Host; else `Origin`
(sent with every POST), which must be this server's own scheme and host. A request with neither
is refused. Provider webhooks do not use this: they are signed and come from servers, not browsers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

Handler = Callable[[Request], Awaitable[Response]]
DEFAULT_PORTS = {"http": 80, "https": 443}


def state_changing_route(path: str, handler: Handler) -> Route:
    """A route that runs `handler` only for a POST from this app's own pages: 405 for any other method, 403
    for a request from another site or from nowhere. GET and HEAD are routed here on purpose: st.App
    answers a GET to a POST-only route with the app's HTML and a 200."""

    async def guarded(request: Request) -> Response:
        if request.method != "POST":
            return PlainTextResponse("Method Not Allowed", status_code=405, headers={"Allow": "POST"})
        if not from_this_app(request):
            return PlainTextResponse("Forbidden: this request did not come from Atelier's own pages.", status_code=403)
        return await handler(request)

    return Route(path, guarded, methods=["GET", "HEAD", "POST"])


def from_this_app(request: Request) -> bool:
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site == "same-origin"
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return False
    own = _origin(f"{request.url.scheme}://{request.headers.get('host', '')}")
    return own is not None and _origin(origin) == own


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) with the default port filled in; None for anything that is not an origin."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname or parts.path or parts.query or parts.username:
        return None
    return scheme, parts.hostname.lower().rstrip("."), port or DEFAULT_PORTS[scheme]
