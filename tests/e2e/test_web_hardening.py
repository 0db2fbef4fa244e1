"""Web hardening in a real browser: the pages work under the CSP, foreign Host headers are refused, a crash shows no traceback."""

from __future__ import annotations

import base64
import os
import re
import socket
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Response, expect
from sqlalchemy import create_engine, text

from core.web.security import CONTENT_SECURITY_POLICY
from tests.e2e.seed import sign_in_by_cookie
from tests.e2e.server import RunningServer, running_server
from tests.e2e.test_walking_skeleton import JOB_SECONDS, expect_loaded, generate, open_page, sign_in
from tests.waiting import wait_until

pytestmark = pytest.mark.e2e

FOREIGN_HOST = "rebind.attacker.example"
# Runs in every document before its own scripts, and hands each violation to Python.
REPORT_CSP_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', e => window.reportCspViolation(
  `${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile || e.documentURI}:${e.lineNumber}`));
"""
FRIENDLY = re.compile(r"Something went wrong on our side\..*reference ([0-9a-f]{8})\..*credits are safe", re.S)


def assert_security_headers(headers: dict[str, str], what: str) -> None:
    assert headers.get("content-security-policy") == CONTENT_SECURITY_POLICY, what
    assert headers.get("x-frame-options") == "SAMEORIGIN", what
    assert headers.get("referrer-policy") == "same-origin", what
    assert headers.get("x-content-type-options") == "nosniff", what
    assert "camera=()" in headers.get("permissions-policy", ""), what


def websocket_handshake_status(server: RunningServer, host: str) -> int:
    """Open Streamlit's websocket by hand, with any Host header (as a DNS-rebinding page would), and return the status."""
    port = urlsplit(server.url).port or 80
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        "GET /_stcore/stream HTTP/1.1\r\n"
        f"Host: {host}\r\nOrigin: http://{host}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: streamlit\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request.encode())
        status_line = sock.makefile("rb").readline().decode()
    return int(status_line.split()[1])


def wait_for_log(server: RunningServer, needle: str, seconds: float = 5.0) -> str:
    def logged() -> str | None:
        log = server.log()
        return log if needle in log else None

    return wait_until(logged, timeout=seconds, what=f"{needle!r} in the server log")


def test_every_page_works_under_the_content_security_policy_without_a_single_violation(
    context: BrowserContext, page: Page, atelier: RunningServer
) -> None:
    violations: list[str] = []
    context.expose_binding("reportCspViolation", lambda _source, violation: violations.append(violation))
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    console_errors: list[str] = []
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
    responses: list[Response] = []
    page.on("response", lambda response: responses.append(response))
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))

    document = page.goto("/")
    assert document is not None
    assert_security_headers(document.all_headers(), "the page itself")

    sign_in(page, "carol@example.com")
    generate(page, "an orange lighthouse on a violet cliff")
    expect_loaded(page.get_by_test_id("stMain").locator('img[src*="/api/media/"]').first)
    open_page(page, "Gallery")
    expect_loaded(page.get_by_test_id("stMain").locator('img[src*="/api/media/"]').first)
    page.get_by_role("button", name=re.compile(r"^Open: ")).first.click()  # a gallery tile (a custom component)
    expect(page.get_by_role("link", name="Download original")).to_be_visible()
    page.keyboard.press("Escape")  # the lightbox is modal: close it before using the menu
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/gallery$"))  # the server has cleared ?image=
    open_page(page, "Credits")
    expect(page.get_by_role("table", name="Credit statement, newest first")).to_be_visible(timeout=JOB_SECONDS)

    # connect-src 'self' covers the same-origin ws: URL in Chromium: the app above ran over it.
    assert [url for url in sockets if url.endswith("/_stcore/stream")], sockets
    assert violations == []
    assert [e for e in console_errors if "Content Security Policy" in e or "Permissions-Policy" in e] == []
    # Every response the browser got: the page, Streamlit's assets and endpoints, and our media route.
    ours = [r for r in responses if r.url.startswith(atelier.url)]
    paths = {urlsplit(r.url).path for r in ours}
    for prefix in ("/static/", "/_stcore/", "/api/media/"):
        assert any(path.startswith(prefix) for path in paths), (prefix, paths)
    for response in ours:
        assert_security_headers(response.all_headers(), f"{response.status} {response.url}")


def test_a_foreign_host_header_is_refused_on_http_and_on_the_websocket(atelier: RunningServer) -> None:
    for path in ("/", "/gallery", "/_stcore/health", "/_stcore/host-config", "/api/media/1/thumb", "/favicon.png"):
        allowed = httpx.get(atelier.url + path, timeout=10)
        refused = httpx.get(atelier.url + path, headers={"Host": FOREIGN_HOST}, timeout=10)
        assert allowed.status_code != 400, path
        assert refused.status_code == 400, path
        assert_security_headers(dict(refused.headers), f"400 for {path}")

    port = urlsplit(atelier.url).port
    assert websocket_handshake_status(atelier, f"127.0.0.1:{port}") == 101  # control: the real host gets in
    assert websocket_handshake_status(atelier, f"{FOREIGN_HOST}:{port}") == 403
    # Our middleware lets websockets through untouched: the refusal is Streamlit's, from server.allowedHosts.
    log = wait_for_log(atelier, f"host={FOREIGN_HOST}")
    assert re.search(rf"Rejecting WebSocket connection with disallowed Origin or Host header.*host={FOREIGN_HOST}", log)


def test_a_crash_shows_a_reference_and_safe_credits_but_no_traceback(
    browser: Browser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Production sets this option at start (APP_ENV=production cannot run offline); here it is set by hand.
    monkeypatch.setenv("STREAMLIT_CLIENT_SHOW_ERROR_DETAILS", "none")
    with running_server(tmp_path / "atelier") as server:
        context = browser.new_context(base_url=server.url)
        context.set_default_timeout(15_000)
        page = context.new_page()
        sign_in_by_cookie(context, server, "dave@example.com")  # the form is not what is under test here
        page.goto("/")
        expect(page.get_by_test_id("stSidebar").get_by_text("Signed in as dave@example.com")).to_be_visible()
        engine = create_engine(server.database_url)
        with engine.begin() as conn:  # a fault the page cannot handle: the gallery's table is gone
            conn.execute(text("ALTER TABLE images RENAME TO images_elsewhere"))
        engine.dispose()

        open_page(page, "Gallery")
        alert = page.get_by_test_id("stAlert").filter(has_text="Something went wrong on our side")
        expect(alert).to_be_visible()
        match = FRIENDLY.search(alert.inner_text())
        assert match, alert.inner_text()
        # Only once the run has ended is "no exception element" a finding rather than a race.
        expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning")
        expect(page.get_by_test_id("stException")).to_have_count(0)
        main = page.get_by_test_id("stMain").inner_text()
        context.close()
        log = wait_for_log(server, f"reference {match[1]}")

    for leak in ("Traceback", "OperationalError", "no such table", "images_elsewhere", "sqlalchemy"):
        assert leak not in main, leak
    assert f"Unhandled error in a page: reference {match[1]}, OperationalError" in log
