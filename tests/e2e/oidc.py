"""Sign-in through a real OIDC round trip, offline: oidc-provider-mock in a thread, a generated secrets.toml, chromium.

Everything uses the host 127.0.0.1: Streamlit's callback only works when the browser's host equals
the one in `redirect_uri`, and the mock names its issuer after the Host header it was asked on
(reference/streamlit.md 1.7, 3.2). The secrets file uses Streamlit's `{port}` placeholder, so one
file serves every server a test starts, with the same cookie secret. A browser's sign-in survives a
restart only on the same port, though: Streamlit's cookie records the origin it was issued for.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from oidc_provider_mock import run_server_in_thread
from playwright.sync_api import Page, expect

from tests.e2e.server import RunningServer, running_server

PROVIDER = "mockidp"  # not "google", and without "_" (Streamlit's rule for provider names)
CLIENT_ID = "atelier-e2e"
CLIENT_SECRET = "atelier-e2e-client-secret"
COOKIE_SECRET = "e2e-cookie-secret-0123456789abcdef0123456789abcdef"
ADMIN_EMAIL = "admin@example.com"
DAY_SECONDS = 24 * 60 * 60
SIGN_IN_BUTTON = re.compile(r"^Sign in with")
ROUND_TRIP_MS = 20_000  # app → provider → app; generous for a busy 2-core machine


@dataclass(frozen=True)
class MockProvider:
    """oidc-provider-mock on 127.0.0.1; any client id and secret are accepted."""

    url: str

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    @property
    def authorize_url(self) -> str:
        return f"{self.url}/oauth2/authorize"

    def seed(self, sub: str, *, email: str, name: str, email_verified: bool = True, **claims: object) -> None:
        """Create or replace the user `sub`: the next sign-in as `sub` carries exactly these claims."""
        body = {"email": email, "email_verified": email_verified, "name": name, **claims}
        response = httpx.put(f"{self.url}/users/{sub}", json=body, timeout=10)
        assert response.status_code == 204, f"seeding {sub} failed: {response.status_code} {response.text}"


@contextlib.contextmanager
def mock_provider() -> Iterator[MockProvider]:
    with run_server_in_thread(port=0) as server:
        provider = MockProvider(f"http://127.0.0.1:{server.server_port}")
        httpx.get(provider.metadata_url, timeout=10).raise_for_status()
        yield provider


def write_secrets(path: Path, provider: MockProvider, *, cookie_secret: str = COOKIE_SECRET) -> Path:
    """A secrets.toml with `[auth]` for PROVIDER; `{port}` is Streamlit's placeholder for its own port."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "[auth]\n"
        'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{cookie_secret}"\n'
        "\n"
        f"[auth.{PROVIDER}]\n"
        f'client_id = "{CLIENT_ID}"\n'
        f'client_secret = "{CLIENT_SECRET}"\n'
        f'server_metadata_url = "{provider.metadata_url}"\n'
    )
    return path


def oidc_env(*, admin_emails: str = ADMIN_EMAIL, clock_offset_days: float = 0, **extra: str) -> dict[str, str]:
    env = {
        "AUTH_PROVIDER": PROVIDER,
        "ADMIN_EMAILS": admin_emails,
        "SESSION_MAX_DAYS": "7",
        "CLOCK_OFFSET_SECONDS": str(int(clock_offset_days * DAY_SECONDS)),
    }
    return {**env, **extra}


@contextlib.contextmanager
def oidc_server(
    data_dir: Path,
    secrets_file: Path,
    *,
    clock_offset_days: float = 0,
    port: int | None = None,
    log_name: str = "server.log",
) -> Iterator[RunningServer]:
    """An Atelier server in AUTH_MODE=oidc, signing in through the provider in `secrets_file`.

    To take over a browser's sign-in from an earlier server, pass that server's `port`: Streamlit's
    sign-in cookie records the origin (host and port) it was issued for, and is ignored on any other.
    """
    with running_server(
        data_dir,
        auth_mode="oidc",
        secrets_file=secrets_file,
        extra_env=oidc_env(clock_offset_days=clock_offset_days),
        port=port,
        log_name=log_name,
    ) as server:
        yield server


def authorize_at_provider(page: Page, provider: MockProvider, sub: str) -> None:
    """From the provider's authorize page: choose `sub` and send the browser back to the app."""
    page.wait_for_url(f"{provider.authorize_url}**", timeout=ROUND_TRIP_MS)
    page.locator("input[name=sub]").fill(sub)
    page.get_by_role("button", name="Authorize", exact=True).click()


def start_sign_in(page: Page, provider: MockProvider, server: RunningServer, sub: str) -> None:
    """The signed-out screen's "Sign in with …", the provider round trip, and back at the app; no check of the result."""
    page.goto(f"{server.url}/")
    expect(page.get_by_role("heading", name="Sign in to Atelier")).to_be_visible()
    page.get_by_role("button", name=SIGN_IN_BUTTON).click()
    authorize_at_provider(page, provider, sub)
    page.wait_for_url(f"{server.url}/**", timeout=ROUND_TRIP_MS)


def sign_in(page: Page, provider: MockProvider, server: RunningServer, sub: str, email: str) -> None:
    """Sign in as the seeded user `sub` and wait until the app shows them signed in, on the Generate page."""
    start_sign_in(page, provider, server, sub)
    expect_signed_in(page, email)
    expect(page.get_by_role("heading", name="Generate", exact=True)).to_be_visible()


def expect_signed_in(page: Page, email: str) -> None:
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text(email)).to_be_visible(timeout=ROUND_TRIP_MS)
    expect(sidebar.get_by_role("button", name="Sign out")).to_be_visible()


def wait_until_idle(page: Page) -> None:
    """Until the script run this page started has finished (Streamlit marks its state on the app root)."""
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning")
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-connection-state", "CONNECTED")


@contextlib.contextmanager
def explain_failure(page: Page, *servers: RunningServer) -> Iterator[None]:
    """On a failure, note what the page showed (URL, text, a screenshot) and the servers' logs."""
    try:
        yield
    except Exception as exc:
        with contextlib.suppress(Exception):
            exc.add_note(f"Page URL: {page.url}")
            exc.add_note("Page text:\n" + page.locator("body").inner_text(timeout=2_000)[:3_000])
        if servers:
            shot = servers[0].data_dir / "failure.png"
            with contextlib.suppress(Exception):
                page.screenshot(path=str(shot), full_page=True)
                exc.add_note(f"Screenshot: {shot}")
        for server in servers:
            exc.add_note(f"Server log {server.url} ({server.log_path}):\n{server.log(8_000)}")
        raise
