"""Streamlit's index page, as the server stacks it, names the server's root, so a page loaded directly logs no 404s.

The browser side (no console error on a direct load of any page) is every e2e test's check (tests/e2e/conftest.py).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient
from streamlit.web.server.starlette.starlette_gzip_middleware import SelectiveGZipMiddleware
from streamlit.web.server.starlette.starlette_static_routes import create_streamlit_static_assets_routes

from core.web.frontend_root import FRONTEND_ROOT_SCRIPT, FrontendRootMiddleware
from core.web.security import SECURITY_HEADERS, security_middleware

SHARE_PAGE = '<!DOCTYPE html><html><body><script type="module" src="/x.js"></script>' + "<p>shared</p>" * 200


async def share_page(_request: Request) -> Response:
    return HTMLResponse(SHARE_PAGE)


@pytest.fixture
def client() -> Iterator[TestClient]:
    """The app's middleware around Streamlit's gzip and its static files (the real index.html), like st.App."""
    middleware = [*security_middleware(lambda: ["localhost"]), Middleware(SelectiveGZipMiddleware, minimum_size=500)]
    routes = [Route("/s/{token}", share_page), *create_streamlit_static_assets_routes(None)]
    with TestClient(Starlette(routes=routes, middleware=middleware), base_url="http://localhost:8501") as c:
        yield c


def inline_scripts(html: str) -> list[str]:
    return re.findall(r"<script>(.*?)</script>", html, flags=re.S)


def csp_hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


@pytest.mark.parametrize("path", ["/", "/gallery", "/credits?page=2"])
@pytest.mark.parametrize("encoding", ["gzip", "identity"])
def test_every_page_load_tells_the_frontend_where_the_server_is(client: TestClient, path: str, encoding: str) -> None:
    response = client.get(path, headers={"Accept-Encoding": encoding})
    assert response.status_code == 200
    scripts = inline_scripts(response.text)
    assert FRONTEND_ROOT_SCRIPT in scripts
    # Before Streamlit's bundle, which reads it once when it loads.
    assert response.text.index(FRONTEND_ROOT_SCRIPT) < response.text.index('<script type="module"')
    assert int(response.headers["content-length"]) == len(response.content)
    assert "etag" not in response.headers


def test_the_policy_allows_each_inline_script_of_the_index_page_and_nothing_else(client: TestClient) -> None:
    response = client.get("/gallery")
    script_src = next(d for d in response.headers["content-security-policy"].split("; ") if d.startswith("script-src"))
    allowed = {w for w in script_src.split() if w.startswith("'sha256-")}
    assert allowed == {csp_hash(script) for script in inline_scripts(response.text)}
    assert response.headers["content-security-policy"] == SECURITY_HEADERS["Content-Security-Policy"]


def test_other_html_and_assets_pass_untouched(client: TestClient) -> None:
    assert client.get("/s/abc", headers={"Accept-Encoding": "gzip"}).text == SHARE_PAGE
    manifest = client.get("/manifest.json")
    assert manifest.status_code == 200 and FRONTEND_ROOT_SCRIPT not in manifest.text
    # Streamlit's own answer to a health check under a page's path stays a 404: the frontend no longer asks it.
    assert client.get("/gallery/_stcore/health").status_code == 404


def test_a_page_sent_in_a_way_that_cannot_be_read_passes_as_it_is() -> None:
    """A server that sends files zero-copy (ASGI's pathsend) gets the response start and the send, in order."""
    start = {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/html")]}
    pathsend = {"type": "http.response.pathsend", "path": "/static/index.html"}

    async def app(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        await send(start)
        await send(pathsend)

    sent: list[dict[str, object]] = []

    async def collect(message) -> None:  # type: ignore[no-untyped-def]
        sent.append(message)

    asyncio.run(FrontendRootMiddleware(app)({"type": "http", "method": "GET", "path": "/"}, None, collect))  # type: ignore[arg-type]
    assert sent == [start, pathsend]
