"""Logs carry ids, never content: no email or prompt reaches any log record while jobs fail in every way; no
sign-in token, session key or cookie while the development sign-in is handed to its cookie; no text planted in
any stored field, accepted or refused; and no exception's message, from our code, Streamlit's or the server's."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from core.adapters.fake_engine import FakeImageEngine, SimulatedCrash
from core.errors import AtelierError
from core.identity import ClientInfo, Identity
from core.logs import redact_exceptions
from core.registry import PeriodicTask
from core.services.local_sessions import COOKIE
from core.web.lifespan import background_lifespan
from core.web.session_routes import session_routes
from tests.factories import create_form, edit_form, settle
from tests.waiting import wait_until_async

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
        settle(c, user, job.id)
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


# Every stored text field and its failing paths: hostile text planted everywhere, and no record carries it.

MARK = "Marguerite Quixote"  # planted in every field; emails fold it to lower case
HOSTILE = ("\x00", "\u202e", "\u200b", "\ud800")


def leaks(lines: list[str]) -> list[str]:
    return [line for line in lines if MARK.lower() in line.lower() or "quixote" in line.lower()]


@pytest.fixture
def redacting() -> Iterator[None]:
    """The app's own start-up step (server_options): no record of the process quotes an exception's message."""
    before = logging.getLogRecordFactory()
    redact_exceptions()
    yield
    logging.setLogRecordFactory(before)


def test_hostile_text_in_every_stored_field_never_reaches_a_log_record(
    containers, database_url: str, every_log_line: list[str], redacting: None
) -> None:
    c = containers(database_url, admin_emails="admin@example.com")
    admin = c.accounts.sign_in_local("admin@example.com").user
    alice = c.accounts.sign_in_local("marguerite.quixote@example.com").user
    refused = 0
    attempts: list[Callable[[str], object]] = [
        lambda text: c.collections.create(alice, text),
        lambda text: c.accounts.rename(alice, text),
        lambda text: c.accounts.sign_in_local(text.replace(" ", ".") + "@example.com"),
        lambda text: c.admin.adjust_credits(admin, alice.id, 5, text, uuid.uuid4().hex),
        lambda text: c.admin.users(admin, text),
        lambda text: c.generation.submit(alice, create_form(prompt=text), c.generation.new_token()),
        lambda text: c.generation.submit(alice, edit_form(text, upload=b"\x89PNG"), uuid.uuid4().hex),
        lambda text: c.accounts.resume(oidc_identity(text), ClientInfo("", text, text)),
    ]
    for attempt in attempts:
        for text in [MARK, *(f"{MARK}{bad}" for bad in HOSTILE), MARK * 20]:
            try:
                attempt(text)
            except AtelierError:
                refused += 1
    collection = c.collections.create(alice, f"{MARK} 2")
    with pytest.raises(AtelierError):
        c.collections.create(alice, f"{MARK} 2".upper())  # taken: the refusal quotes the name
    with pytest.raises(AtelierError):
        c.collections.rename(alice, collection.id, f"{MARK}\x00")
    assert refused >= (len(attempts) - 2) * len(
        HOSTILE
    )  # the search and the provider's name drop what they cannot keep
    assert every_log_line, "the check needs log records to look at"
    assert leaks(every_log_line) == []


def oidc_identity(name: str) -> Identity:
    issued = datetime.now(UTC)
    subject = f"sub-{uuid.uuid4().hex}"
    return Identity(
        "https://idp.example.test", subject, f"{uuid.uuid4().hex[:8]}@example.com", True, name, "", issued, subject
    )


def test_a_failing_background_tick_logs_the_type_and_place_not_the_message(
    every_log_line: list[str], containers
) -> None:
    def reconcile(_c: object) -> int:
        raise RuntimeError(f"could not reconcile the job of {MARK}")

    c = containers()
    advance = PeriodicTask("advance jobs in flight", lambda _settings: 1.0, reconcile)
    failed = "Background task 'advance jobs in flight' failed"

    async def run_until_it_fails() -> None:
        async with background_lifespan(lambda: c, tasks=[advance])(None):
            await wait_until_async(lambda: any(failed in line for line in every_log_line), what="the failure logged")

    asyncio.run(run_until_it_fails())
    [line] = [line for line in every_log_line if failed in line][:1]
    assert "RuntimeError at test_log_privacy.py:" in line and "in reconcile" in line
    assert leaks(every_log_line) == [] and "Traceback" not in "\n".join(every_log_line)


def test_streamlits_and_the_servers_own_crash_records_lose_the_message_once_the_app_starts(
    every_log_line: list[str], redacting: None
) -> None:
    handler = next(h for h in logging.getLogger().handlers if isinstance(h, Everything))
    own = [logging.getLogger(name) for name in ("streamlit.error_util", "uvicorn.error")]
    for logger in own:  # Streamlit's loggers do not propagate to the root: listen to them directly
        logger.addHandler(handler)
    try:
        try:
            raise ValueError(f"could not render the prompt of {MARK}")
        except ValueError as exc:
            own[0].error("Uncaught app execution", exc_info=exc)
            own[1].exception("Exception in ASGI application")
            logging.getLogger("core.services.billing").warning("Refused a %s webhook: %s", "stripe", exc)
            logging.getLogger("anything").error(exc)
    finally:
        for logger in own:
            logger.removeHandler(handler)
    # A record can arrive twice (its own logger's handler and the root's, where uvicorn's config lets it propagate).
    assert len({line for line in every_log_line if "ValueError at test_log_privacy.py:" in line}) == 4
    assert leaks(every_log_line) == [] and "Traceback" not in "\n".join(every_log_line)
