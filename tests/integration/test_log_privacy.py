"""Logs carry ids, never content: no email or prompt reaches any log record while jobs fail in every way, and no
sign-in token, session key or cookie while the development sign-in is handed to its cookie."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from core.adapters.fake_engine import FakeImageEngine, SimulatedCrash
from core.services.local_sessions import COOKIE
from core.web.session_routes import session_routes
from tests.factories import create_form

EMAIL = "private.person@example.com"
PROMPT = "a secret portrait of zebra unicorns in grandmother's garden"
FAILURES: list[dict[str, object]] = [
    {"fail_submit": True},
    {"explode_submit": True},
    {"fail_result": True},
    {"explode_result": True},
    {"garbage": True},
    {"crash_after_accept": 1, "cannot_find": True},
    {"polls_until_done": 10_000},  # never finishes: timed out
]


class Everything(logging.Handler):
    """Keeps every record as it would be written, traceback included."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def every_log_line() -> list[str]:
    handler = Everything()
    root, sql = logging.getLogger(), logging.getLogger("sqlalchemy.engine")
    levels = (root.level, sql.level)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    sql.setLevel(logging.INFO)  # every statement, as an operator debugging the database would see them
    yield handler.lines
    root.removeHandler(handler)
    root.setLevel(levels[0])
    sql.setLevel(levels[1])


@pytest.mark.parametrize("failure", FAILURES, ids=lambda f: next(iter(f)))
def test_a_failing_job_logs_neither_the_email_nor_the_prompt(
    containers, database_url: str, failure: dict[str, object], every_log_line: list[str]
) -> None:
    now = {"t": datetime(2026, 11, 29, 12, 0, tzinfo=UTC)}
    c = containers(database_url, engine=FakeImageEngine(**failure), clock=lambda: now["t"])  # type: ignore[arg-type]
    user = c.accounts.sign_in_local(EMAIL).user
    try:
        job = c.generation.submit(user, create_form(prompt=PROMPT, model="fake-draw"), c.generation.new_token())
    except SimulatedCrash:
        job = None
    now["t"] += timedelta(hours=1)
    c.jobs.reconcile()
    if job is not None:
        c.generation.poll(user, job.id)
    assert every_log_line, "the check needs log records to look at"
    leaked = [line for line in every_log_line if EMAIL in line or "zebra unicorns" in line]
    assert leaked == []


def test_the_sign_in_cookie_hand_off_logs_neither_the_token_nor_the_session_key_nor_the_cookie(
    containers, database_url: str, every_log_line: list[str]
) -> None:
    c = containers(database_url)
    client = TestClient(Starlette(routes=session_routes(lambda: c)), follow_redirects=False)
    key = c.accounts.sign_in_local(EMAIL).session_key
    token = c.local_sessions.hand_off(key)
    same_origin = {"Origin": "http://testserver"}
    cookie = client.post("/auth/session", data={"token": token}, headers=same_origin).cookies[COOKIE]
    assert c.local_sessions.session_key(cookie) == key
    replayed = client.post("/auth/session", data={"token": token}, headers=same_origin)
    assert replayed.headers["location"] == "/?signin=failed"
    client.post("/auth/signout", headers=same_origin)
    c.accounts.sign_out(key)
    # The test's own HTTP client logs the URLs it requests, as a browser's history would; the app never does.
    app_lines = [line for line in every_log_line if " httpx " not in line and " httpcore" not in line]
    assert app_lines, "the check needs log records to look at"
    leaked = [line for line in app_lines if token in line or key in line or cookie in line or EMAIL in line]
    assert leaked == []
