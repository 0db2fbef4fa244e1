"""Shared fixtures: a database URL for SQLite and for PostgreSQL (required in CI), migrated by Alembic."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from core.bootstrap import Container
from db.schema import migrate
from tests.ci import in_ci
from tests.creem_server import CreemServer
from tests.factories import make_container
from tests.fal_server import FalServer
from tests.payment_support import prepare_creem, prepare_stripe
from tests.stripe_server import StripeServer

POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TABLES = "payment_events, orders, plans, images, generation_inputs, generations, ledger_entries, sign_ins, user_preferences, audit_log, users"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, migrated to head, dropped at the end."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:  # noqa: BLE001
        admin.dispose()
        if in_ci():
            pytest.fail(f"PostgreSQL is required in CI but unreachable at {POSTGRES_ADMIN_URL}: {exc}")
        pytest.skip(f"PostgreSQL unreachable at {POSTGRES_ADMIN_URL}")
    name = f"atelier_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    migrate(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each database test runs twice: on a migrated SQLite file and on the migrated PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'atelier.db'}"
        migrate(url)
        yield url
        return
    url = request.getfixturevalue("postgres_url")
    engine = create_engine(url)
    with engine.begin() as conn:
        # The audit log refuses TRUNCATE (it is append-only); replica mode skips that trigger, for tests only.
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
    engine.dispose()
    yield url


@pytest.fixture(scope="session")
def fal_server() -> Iterator[FalServer]:
    """One local server speaking fal's queue protocol for the whole run; each test resets it."""
    with FalServer() as server:
        yield server


@pytest.fixture
def fal(fal_server: FalServer, monkeypatch: pytest.MonkeyPatch) -> FalServer:
    """The local fal server, forgotten clean, with fal-client's own retries cut to one attempt (fal.md 1)."""
    fal_server.reset()
    monkeypatch.setattr("fal_client.client.MAX_ATTEMPTS", 1)
    return fal_server


@pytest.fixture(scope="session")
def stripe_server() -> Iterator[StripeServer]:
    """One local server speaking the part of Stripe's API the app uses, for the whole run."""
    with StripeServer() as server:
        yield server


@pytest.fixture
def stripe_api(stripe_server: StripeServer) -> StripeServer:
    """The local Stripe server, forgotten clean, with the test catalogue's prices."""
    return prepare_stripe(stripe_server)


@pytest.fixture(scope="session")
def creem_server() -> Iterator[CreemServer]:
    with CreemServer() as server:
        yield server


@pytest.fixture
def creem_api(creem_server: CreemServer) -> CreemServer:
    """The local Creem server, forgotten clean, selling the test catalogue's products."""
    return prepare_creem(creem_server)


@pytest.fixture
def containers(tmp_path: Path) -> Iterator[Callable[..., Container]]:
    """Build containers for a test and close their database pools afterwards."""
    made: list[Container] = []

    def build(database_url: str = "sqlite://", **kwargs: object) -> Container:
        container = make_container(tmp_path, database_url, **kwargs)  # type: ignore[arg-type]
        made.append(container)
        return container

    yield build
    for container in made:
        container.db.engine.dispose()
