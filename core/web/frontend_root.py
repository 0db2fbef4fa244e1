"""Streamlit's index page told where the server's root is, so a page loaded directly asks no health check under its path.

Streamlit's frontend finds its server by trying the page's own path first: on a direct load of `/gallery` it asks
`/gallery/_stcore/health` and `/gallery/_stcore/host-config`, gets two 404s (logged as console errors), then tries
`/` (streamlit/streamlit#7074, open). It skips the guessing when `window.__streamlit.BACKEND_BASE_URL` names the
root. The root is where the index page's own `./static/js/…` bundle resolves from, so one constant inline script,
allowed by its hash in the Content-Security-Policy, computes it the same way, under any base URL path.
"""

from __future__ import annotations

import base64
import gzip
import hashlib

from starlette.types import ASGIApp, Message, Receive, Scope, Send

FRONTEND_ROOT_SCRIPT = 'window.__streamlit={...window.__streamlit,BACKEND_BASE_URL:new URL(".",document.baseURI).href}'
FRONTEND_ROOT_SCRIPT_HASH = (
    "'sha256-" + base64.b64encode(hashlib.sha256(FRONTEND_ROOT_SCRIPT.encode()).digest()).decode() + "'"
)

# Only Streamlit's index page has both: the app's own HTML routes (the share page) pass untouched.
_INDEX_MARK = b"window.prerenderReady = false"
_BUNDLE_TAG = b'<script type="module"'
_TAG = f"<script>{FRONTEND_ROOT_SCRIPT}</script>\n    ".encode()
# Dropped with the rewrite: the validators describe Streamlit's file, not the page sent (the page is small and
# marked no-cache, so a browser revalidating gets it whole).
_STALE_HEADERS = {b"content-length", b"content-encoding", b"etag", b"last-modified"}


def with_frontend_root(html: bytes) -> bytes | None:
    """Streamlit's index page with the script before its bundle; None for any other page or one already done."""
    if _INDEX_MARK not in html or _BUNDLE_TAG not in html or _TAG in html:
        return None
    return html.replace(_BUNDLE_TAG, _TAG + _BUNDLE_TAG, 1)


class FrontendRootMiddleware:
    """Adds FRONTEND_ROOT_SCRIPT to Streamlit's index page (answered for `/` and every page's path, maybe gzipped)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def rewrite(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start" and message.get("status") == 200 and _is_html(message):
                start = message  # held until the whole page is in
                return
            if start is not None and message["type"] != "http.response.body":
                # Not a body we can read (a server's zero-copy file send): the page goes as it is.
                await send(start)
                start = None
            if start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                await _send_page(start, b"".join(chunks), send)

        await self.app(scope, receive, rewrite)


async def _send_page(start: Message, body: bytes, send: Send) -> None:
    gzipped = _header(start, b"content-encoding") == b"gzip"
    page = with_frontend_root(gzip.decompress(body) if gzipped else body)
    if page is None:
        await send(start)
        await send({"type": "http.response.body", "body": body})
        return
    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() not in _STALE_HEADERS]
    headers.append((b"content-length", str(len(page)).encode()))
    await send({**start, "headers": headers})
    await send({"type": "http.response.body", "body": page})


def _is_html(start: Message) -> bool:
    return (_header(start, b"content-type") or b"").startswith(b"text/html")


def _header(start: Message, name: bytes) -> bytes | None:
    return next((v for k, v in start.get("headers", []) if k.lower() == name), None)
