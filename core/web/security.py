"""Security headers on every HTTP response and a Host allow-list for plain HTTP, as pure ASGI middleware."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.web.frontend_root import FRONTEND_ROOT_SCRIPT_HASH, FrontendRootMiddleware
from core.web.health_routes import HEALTH_PATHS

# The hash allows the one inline <script> of Streamlit 1.67's index.html
# (`window.prerenderReady = false`); a Streamlit upgrade that changes it shows up as a CSP
# violation in tests/e2e/test_web_hardening.py.
STREAMLIT_INLINE_SCRIPT = "'sha256-THxz9J9+wf7rhwR2YkXJoSZ13UCmYyC+3lNDv2+8ugA='"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        # blob: is how Streamlit loads a custom component's inline JS (st.components.v2: the image grid)
        # as a module. Only script already running on this origin can mint a blob: URL, so no markup
        # injection can use it.
        # The second hash is core/web/frontend_root.py's script, which tells Streamlit where its server is.
        f"script-src 'self' {STREAMLIT_INLINE_SCRIPT} {FRONTEND_ROOT_SCRIPT_HASH} 'wasm-unsafe-eval' blob:",
        "style-src 'self' 'unsafe-inline'",
        # Our own origin only: a browser that loads anything from another host (a profile picture from
        # Google's sign-in, a font, an icon) tells that host who uses Atelier; pages draw initials instead.
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "frame-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ]
)

# Only features Chromium knows: an unknown name is logged as a console error on every page.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
)

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "SAMEORIGIN",
    # Signed image URLs carry their signature in the query string: never send them to another site.
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Permissions-Policy": PERMISSIONS_POLICY,
}


class SecurityHeadersMiddleware:
    """Adds SECURITY_HEADERS to every HTTP response that does not set its own; websockets pass untouched.

    Starlette answers an unhandled exception from outside every user middleware, so this
    one sends that 500 itself (with the headers) and re-raises for the server's log.
    """

    def __init__(self, app: ASGIApp, headers: dict[str, str] | None = None) -> None:
        self.app = app
        self.headers = [
            (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or SECURITY_HEADERS).items()
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in self.headers if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            if not started:
                await PlainTextResponse("Internal Server Error", status_code=500)(scope, receive, send_with_headers)
            raise


class HostGuardMiddleware:
    """Answers 400 to an HTTP request whose Host header is not allowed, against DNS rebinding.

    The websocket is checked by Streamlit itself against `server.allowedHosts`, which the
    server sets from the same list at start; the matching rules here are Streamlit's, so
    both layers agree.

    The health routes (/healthz, /readyz) answer any Host: a load balancer or an orchestrator probes a replica by
    its address (`10.0.0.7:8501`, `web-1:8501`, `127.0.0.1`), never by the public name. Rebinding gains an attacker
    nothing there: both routes change nothing, read no user's data and say only "ok" or which part is down.
    """

    def __init__(
        self, app: ASGIApp, allowed_hosts: Callable[[], Sequence[str]], any_host_paths: frozenset[str] = HEALTH_PATHS
    ) -> None:
        self.app = app
        # Read once, when Starlette builds the middleware stack at server start.
        self.allowed_hosts = list(allowed_hosts())
        self.any_host_paths = any_host_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope.get("path") not in self.any_host_paths
            and not host_is_allowed(_host_header(scope), self.allowed_hosts)
        ):
            await PlainTextResponse("Invalid host header", status_code=400)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def host_is_allowed(host: str | None, allowed_hosts: Sequence[str]) -> bool:
    """Streamlit's rules: the port is ignored, `*.example.com` matches subdomains, `*` matches any host."""
    if host is None:
        return False
    try:
        parts = urlsplit(f"//{host}")
        hostname = parts.hostname
        _ = parts.port  # validates a port, if any
    except ValueError:
        return False
    if not hostname or parts.username is not None or parts.password is not None:
        return False
    if parts.path or parts.query or parts.fragment:
        return False
    hostname = hostname.lower().rstrip(".")
    for allowed in allowed_hosts:
        pattern = allowed.strip().lower().rstrip(".")
        if pattern == "*" or hostname == pattern or (pattern.startswith("*.") and hostname.endswith(pattern[1:])):
            return True
    return False


def security_middleware(allowed_hosts: Callable[[], Sequence[str]]) -> list[Middleware]:
    """Headers outermost, so the host guard's own 400 carries them too; then the index page's frontend root."""
    return [
        Middleware(SecurityHeadersMiddleware),
        Middleware(HostGuardMiddleware, allowed_hosts=allowed_hosts),
        Middleware(FrontendRootMiddleware),
    ]


def _host_header(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"host":
            return str(value.decode("latin-1"))
    return None
