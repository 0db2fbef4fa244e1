"""AppTest fixtures: the real app.py over a fresh migrated SQLite file (a copy of the run's migrated template),
configured through settings. Every run is checked for a page that raised (tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from core.bootstrap import Container, app_container
from pages.components.guard import LOCAL_KEY
from tests.app.fake_user import ISSUER
from tests.factories import TEST_SECRET
from tests.migrated_db import migrated_sqlite

ROOT = Path(__file__).resolve().parents[2]
OIDC_SECRETS = f"""
[auth]
redirect_uri = "http://127.0.0.1:8501/oauth2callback"
cookie_secret = "app-test-cookie-secret-0123456789abcdef"

[auth.testidp]
client_id = "atelier"
client_secret = "app-test-client-secret"
server_metadata_url = "{ISSUER}/.well-known/openid-configuration"
"""


@pytest.fixture
def app_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Container]:
    url = migrated_sqlite(tmp_path / "atelier.db")
    for key, value in {
        "APP_ENV": "test",
        "DATA_DIR": str(tmp_path),
        "DATABASE_URL": url,
        "MEDIA_SECRET": TEST_SECRET,
        "OFFLINE_ENGINE_DELAY_SECONDS": "0",
        "STARTER_CREDITS": "20",
        "ADMIN_EMAILS": "admin@example.com",
        "STREAMLIT_SECRETS_FILES": str(tmp_path / "no-secrets.toml"),  # never the developer's own
    }.items():
        monkeypatch.setenv(key, value)
    app_container.cache_clear()
    yield app_container()
    app_container().db.engine.dispose()
    app_container.cache_clear()


@pytest.fixture
def sign_in(app_settings: Container) -> Callable[[str], str]:
    """Sign in with the development sign-in; returns the session key a browser tab would keep."""
    return lambda email="alice@example.com": app_settings.accounts.sign_in_local(email).session_key


@pytest.fixture
def open_app(app_settings: Container, sign_in: Callable[[str], str]) -> Callable[..., AppTest]:
    """Run app.py (or one page directly) as the given user; None means a guest. `session` reuses a sign-in,
    as a second tab of the same browser would."""

    def run(email: str | None = "alice@example.com", script: str = "app.py", session: str | None = None) -> AppTest:
        at = AppTest.from_file(str(ROOT / script), default_timeout=30)
        if session is not None:
            at.session_state[LOCAL_KEY] = session
        elif email is not None:
            at.session_state[LOCAL_KEY] = sign_in(email)
        return at.run()

    return run


@pytest.fixture
def oidc_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, app_settings: Container
) -> Callable[..., tuple[AppTest, Container]]:
    """Run app.py (or a page) with AUTH_MODE=oidc and a faked `st.user` holding the given id_token claims."""
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(OIDC_SECRETS)
    monkeypatch.setenv("STREAMLIT_SECRETS_FILES", str(secrets))
    monkeypatch.setenv("AUTH_MODE", "oidc")
    monkeypatch.setenv("AUTH_PROVIDER", "testidp")
    app_container.cache_clear()

    def run(claims: dict[str, Any] | None, script: str = "app.py") -> tuple[AppTest, Container]:
        at = AppTest.from_file(str(ROOT / script), default_timeout=30)
        at.user = {"is_logged_in": False} if claims is None else {"is_logged_in": True, **claims}  # type: ignore[assignment]
        return at.run(), app_container()

    return run
