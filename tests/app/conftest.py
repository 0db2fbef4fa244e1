"""AppTest fixtures: the real app.py over a fresh migrated SQLite file, configured through settings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.bootstrap import Container, app_container
from db.schema import migrate
from tests.factories import TEST_SECRET

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Container]:
    url = f"sqlite:///{tmp_path / 'atelier.db'}"
    migrate(url)
    for key, value in {
        "APP_ENV": "test",
        "DATA_DIR": str(tmp_path),
        "DATABASE_URL": url,
        "MEDIA_SECRET": TEST_SECRET,
        "OFFLINE_ENGINE_DELAY_SECONDS": "0",
        "STARTER_CREDITS": "20",
    }.items():
        monkeypatch.setenv(key, value)
    app_container.cache_clear()
    yield app_container()
    app_container().db.engine.dispose()
    app_container.cache_clear()


@pytest.fixture
def open_app(app_settings: Container) -> Callable[..., AppTest]:
    """Run app.py (or one page directly) as the given user; None means a guest."""

    def run(email: str | None = "alice@example.com", script: str = "app.py") -> AppTest:
        at = AppTest.from_file(str(ROOT / script), default_timeout=30)
        if email is not None:
            user = app_settings.accounts.sign_in_local(email)
            at.session_state["guard.user_id"] = user.id
            at.session_state["guard.session_version"] = user.session_version
        return at.run()

    return run
