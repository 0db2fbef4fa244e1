"""The security middleware over HTTP: every response carries the headers, a foreign Host gets 400, websockets pass."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket
from streamlit import config
from streamlit.web.server.starlette.starlette_websocket import is_host_allowed as streamlit_host_is_allowed

from core.web.media_routes import media_routes
from core.web.security import SECURITY_HEADERS, host_is_allowed, security_middleware
from tests.factories import create_form, settle, sign_up

DEFAULT_HOSTS = ["localhost", "127.0.0.1", "::1"]


async def crash(_request: Request) -> Response:
    raise RuntimeError("a bug in a route")


async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text(await websocket.receive_text())
    await websocket.close()


@pytest.fixture
def client_and_image(containers):  # type: ignore[no-untyped-def]
    """The real media routes behind the middleware, as the server stacks them, over one generated image."""
    c = containers()
    user = sign_up(c)
    job = settle(c, user, c.generation.submit(user, create_form(), c.generation.new_token()).id)
    routes = [*media_routes(lambda: c), Route("/crash", crash), WebSocketRoute("/echo", echo)]
    app = Starlette(routes=routes, middleware=security_middleware(lambda: DEFAULT_HOSTS))
    with TestClient(app, base_url="http://localhost:8501", raise_server_exceptions=False) as client:
        yield client, job.images[0]


def assert_hardened(response) -> None:  # type: ignore[no-untyped-def]
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (response.status_code, name)
        assert len(response.headers.get_list(name)) == 1, (response.status_code, name)


def test_every_kind_of_response_carries_the_security_headers(client_and_image) -> None:
    client, image = client_and_image
    tampered = image.thumb_url.replace("sig=", "sig=0")
    expected = {image.original_url: 200, image.download_url: 200, tampered: 403, "/nowhere": 404, "/crash": 500}
    for url, status in expected.items():
        response = client.get(url)
        assert response.status_code == status, url
        assert_hardened(response)


def test_the_policy_blocks_framing_by_other_sites_and_leaking_signed_links() -> None:
    policy = dict(d.split(" ", 1) for d in SECURITY_HEADERS["Content-Security-Policy"].split("; "))
    assert policy["default-src"] == policy["connect-src"] == "'self'"
    assert policy["frame-ancestors"] == "'self'" and SECURITY_HEADERS["X-Frame-Options"] == "SAMEORIGIN"
    assert policy["object-src"] == "'none'"
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    # No third-party origin anywhere, not even Google's profile pictures: pages draw initials instead.
    assert [w for d in policy.values() for w in d.split() if "http" in w or w == "*" or w.startswith("*.")] == []
    assert policy["img-src"] == "'self' data: blob:"
    assert SECURITY_HEADERS["Referrer-Policy"] in ("same-origin", "no-referrer")


@pytest.mark.parametrize("path", ["/", "/nowhere", "/api/media/1/thumb", "/crash"])
def test_a_foreign_host_header_gets_400_on_every_route(client_and_image, path: str) -> None:
    client, _ = client_and_image
    response = client.get(path, headers={"Host": "rebind.attacker.example"})
    assert (response.status_code, response.text) == (400, "Invalid host header")
    assert_hardened(response)


def test_an_allowed_host_on_any_port_or_as_ipv6_is_let_through(client_and_image) -> None:
    client, image = client_and_image
    for host in ("localhost", "LOCALHOST:80", "127.0.0.1:8501", "[::1]:8501"):
        assert client.get(image.thumb_url, headers={"Host": host}).status_code == 200, host


def test_websockets_pass_through_the_middleware_untouched(client_and_image) -> None:
    client, _ = client_and_image
    with client.websocket_connect("/echo") as websocket:
        websocket.send_text("ping")
        assert websocket.receive_text() == "ping"


@pytest.fixture
def streamlit_allowed_hosts() -> Iterator[list[str]]:
    hosts = ["localhost", "::1", "*.example.com", "app.test."]
    before = config.get_option("server.allowedHosts")
    config.set_option("server.allowedHosts", hosts)
    yield hosts
    config.set_option("server.allowedHosts", before)


@pytest.mark.parametrize(
    "host",
    [
        "localhost",
        "localhost:8501",
        "LocalHost.",
        "[::1]:8501",
        "a.example.com",
        "example.com",
        "app.test",
        "evil.test",
        "localhost.evil.test",
        "user@localhost",
        "localhost/path",
        "localhost:99999",
        "localhost:x",
        "",
        "[::1",
    ],
)
def test_http_and_the_websocket_agree_on_every_host(streamlit_allowed_hosts: list[str], host: str) -> None:
    assert host_is_allowed(host, streamlit_allowed_hosts) == streamlit_host_is_allowed(host)
