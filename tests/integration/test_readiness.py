"""The health routes and the schema check at start, on SQLite and PostgreSQL: /healthz answers without touching
anything; /readyz is 200 only when the database and the blob store answer and the schema is at this build's head,
and otherwise a 503 naming the part that failed and nothing else; a start's schema check says what to run."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from starlette.applications import Starlette
from starlette.testclient import TestClient

from core.adapters.memory_blobs import InMemoryBlobStore
from core.adapters.offline import OfflineImageEngine
from core.bootstrap import Container, bootstrap
from core.web.health_routes import health_routes
from core.web.media_routes import media_routes
from core.web.security import security_middleware
from db.engine import make_engine
from db.schema import head_revision, migrate, schema_problem
from db.uow import Database
from tests.conftest import POSTGRES_ADMIN_URL
from tests.factories import settings_for
from tests.migrated_db import migrated_sqlite, scratch_postgres

PREVIOUS = "0013"
LEAKY = "postgresql://atelier:hunter2-AKIAEXAMPLE@db.internal:5432/atelier"  # what a careless error would quote


class UnreachableBlobStore(InMemoryBlobStore):
    """A store whose server is down: every call fails, with a message quoting its address and key."""

    def exists(self, key: str) -> bool:
        raise ConnectionError(f"Could not connect to {LEAKY}")


class HungBlobStore(InMemoryBlobStore):
    """A store that never answers until the test ends (a firewall dropping packets)."""

    def __init__(self) -> None:
        super().__init__()
        self.released = threading.Event()

    def exists(self, key: str) -> bool:
        self.released.wait()
        return False


def new_database(kind: str, tmp_path: Path) -> Iterator[str]:
    """A database nobody migrated yet, dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    with scratch_postgres(POSTGRES_ADMIN_URL, "atelier_ready") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "postgresql":
        request.getfixturevalue("postgres_url")  # skips, or fails in CI, when PostgreSQL is unreachable
    yield from new_database(request.param, tmp_path)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def behind_database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database the previous build migrated (one revision behind this build's head), made once per module."""
    if request.param == "postgresql":
        request.getfixturevalue("postgres_url")
    for url in new_database(request.param, tmp_path_factory.mktemp("behind")):
        migrate(url, PREVIOUS)
        yield url


@pytest.fixture
def replica(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A replica's container over a database URL and a blob store, as the composition root builds it."""
    made: list[Container] = []

    def build(database_url: str, blobs: InMemoryBlobStore | None = None) -> Container:
        settings = settings_for(tmp_path, database_url)
        engine = OfflineImageEngine(tmp_path / "engine-queue", 0)
        db = Database(make_engine(database_url))
        made.append(bootstrap(settings, engine=engine, blobs=blobs or InMemoryBlobStore(), db=db))
        return made[-1]

    yield build
    for container in made:
        container.db.engine.dispose()


def client(container: Container, *, hosts: tuple[str, ...] = ("testserver",), **kwargs: object) -> TestClient:
    app = Starlette(
        routes=[*health_routes(lambda: container, **kwargs), *media_routes(lambda: container)],  # type: ignore[arg-type]
        middleware=security_middleware(lambda: list(hosts)),
    )
    return TestClient(app)


def test_liveness_answers_ok_without_building_anything() -> None:
    def no_container() -> Container:
        raise AssertionError("/healthz touched the container")

    app = Starlette(routes=health_routes(no_container), middleware=security_middleware(lambda: ["testserver"]))
    response = TestClient(app).get("/healthz")
    assert (response.status_code, response.text) == (200, "ok")
    assert response.headers["cache-control"] == "no-store"


def test_a_replica_at_head_is_ready(replica, database_url: str) -> None:  # type: ignore[no-untyped-def]
    response = client(replica(database_url)).get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"ready": True, "checks": {"database": "ok", "blobs": "ok", "schema": "ok"}}


def test_a_replica_whose_schema_is_behind_is_not_ready_and_names_only_that(replica, behind_database: str) -> None:  # type: ignore[no-untyped-def]
    response = client(replica(behind_database)).get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"ready": False, "checks": {"database": "ok", "blobs": "ok", "schema": "not at head"}}


def test_a_replica_whose_blob_store_fails_is_not_ready_and_leaks_nothing(  # type: ignore[no-untyped-def]
    replica, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    response = client(replica(database_url, UnreachableBlobStore())).get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"ready": False, "checks": {"database": "ok", "blobs": "failed", "schema": "ok"}}
    assert "ConnectionError" in caplog.text  # the operator learns what failed, by type
    assert "hunter2" not in caplog.text + response.text and "db.internal" not in caplog.text + response.text


def test_a_hung_blob_store_gets_a_503_in_time_not_silence(replica, database_url: str) -> None:  # type: ignore[no-untyped-def]
    hung = HungBlobStore()
    # The client's event loop lives until the `with` ends, and ending it waits for the hung thread: released first.
    with client(replica(database_url, hung), check_seconds=0.2) as c:
        response = c.get("/readyz")
        hung.released.set()
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "blobs": "timed out", "schema": "ok"}


def test_a_database_that_does_not_answer_makes_the_replica_not_ready(replica) -> None:  # type: ignore[no-untyped-def]
    response = client(replica("postgresql+psycopg://atelier:hunter2@127.0.0.1:1/atelier")).get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "failed", "blobs": "ok", "schema": "failed"}
    assert "hunter2" not in response.text and "127.0.0.1" not in response.text


def test_a_probe_by_the_replicas_own_address_passes_the_host_guard_and_nothing_else_does(
    replica, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """The load balancer probes web-1:8501 or an IP, never the public name; pages and media stay behind the guard."""
    c = client(replica(migrated_sqlite(tmp_path / "atelier.db")), hosts=("atelier.example.com",))
    for host in ("10.0.0.7:8501", "web-1:8501", "127.0.0.1"):
        assert c.get("/healthz", headers={"Host": host}).status_code == 200
        assert c.get("/readyz", headers={"Host": host}).status_code == 200
        assert c.get("/api/media/x/thumb", headers={"Host": host}).status_code == 400
        assert c.get("/api/media/x/thumb", headers={"Host": "atelier.example.com"}).status_code == 403


def test_the_start_check_passes_at_head(database_url: str) -> None:
    assert schema_problem(database_url) is None


def test_the_start_check_says_which_revision_and_what_to_run_and_migrates_nothing(behind_database: str) -> None:
    problem = schema_problem(behind_database)
    assert problem == (
        f"The database is at revision {PREVIOUS} but this build needs {head_revision()}. "
        "Run `make migrate` (or `alembic upgrade head`) once, then start again."
    )
    engine = create_engine(behind_database)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == PREVIOUS
    engine.dispose()


def test_the_start_check_on_an_empty_database_says_to_migrate(empty_database: str) -> None:
    problem = schema_problem(empty_database)
    assert problem is not None and "no schema yet" in problem and "`make migrate`" in problem


def test_the_start_check_refuses_a_database_a_newer_build_migrated(empty_database: str) -> None:
    engine = create_engine(empty_database)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
        conn.execute(text("INSERT INTO alembic_version VALUES ('9999')"))
    engine.dispose()
    problem = schema_problem(empty_database)
    assert problem is not None and "revision 9999, which this build does not know" in problem


def test_the_start_check_of_a_database_that_does_not_answer_quotes_no_address_or_password() -> None:
    problem = schema_problem("postgresql+psycopg://atelier:hunter2@127.0.0.1:1/atelier")
    assert problem is not None and problem.startswith("The database does not answer")
    assert "hunter2" not in problem and "127.0.0.1" not in problem
