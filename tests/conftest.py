"""Shared fixtures: a database URL for SQLite and for PostgreSQL (required in CI), migrated by Alembic once per run;
every AppTest run checked for a page that raised."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from sqlalchemy import create_engine, text
from streamlit.runtime.state import SCRIPT_RUN_WITHOUT_ERRORS_KEY
from streamlit.testing.v1 import AppTest

from core.bootstrap import Container
from db.schema import migrate
from tests.ci import in_ci
from tests.creem_server import CreemServer
from tests.factories import make_container
from tests.fal_server import FalServer
from tests.hypothesis_sizes import THOROUGH
from tests.migrated_db import POSTGRES_ADMIN_URL, migrated_sqlite, scratch_postgres
from tests.payment_support import prepare_creem, prepare_stripe
from tests.s3_server import S3Server
from tests.stripe_server import StripeServer

E2E_FOLDER = Path(__file__).resolve().parent / "e2e"
E2E_SCOPE = "tests/e2e"  # the browser tests' folder as pytest names it, from the project root
# A test that makes a page raise on purpose, and asserts what the person sees instead, carries this marker.
PAGE_RAISES = "page_raises"


# `HYPOTHESIS_PROFILE=thorough` (a nightly run, or digging into a failure) draws more of every property: the slow
# ones through tests/hypothesis_sizes.py, the rest through this profile; `make test` draws Hypothesis' defaults.
settings.register_profile("thorough", max_examples=1000)
if THOROUGH:
    settings.load_profile("thorough")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark what `make test-fast` leaves out by name: `e2e` (a browser or a started server), `postgresql` (the
    PostgreSQL half of each database test). Marked here, so a new test needs no marker of its own."""
    for item in items:
        if E2E_FOLDER in item.path.parents or "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.e2e)
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and "postgresql" in callspec.params.values()
        if on_postgres or "postgres_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgresql)


# The browser tests run in this many groups, each on its own worker with its own Atelier server and Chromium: one
# group made the browser worker the run's long pole, as the browser tests wait for the page most of the time.
E2E_GROUPS = 1
# Seconds a scope took in one `make test` run on the 2-core box (the busy time of its tests, halved as that run
# shared the box, rounded), so the scheduler starts the longest first and no long scope is left to run alone at the
# end. A scope not listed counts one second a test; an outdated figure only changes the order, never what runs.
MEASURED_SECONDS = {
    "tests/unit/test_upload_fuzzing.py": 175,
    "tests/integration/test_worker.py[postgresql]": 45,
    "tests/integration/test_worker.py": 25,
    "tests/integration/test_job_state_machine.py[postgresql]": 160,
    "tests/integration/test_job_state_machine.py": 120,
    "tests/integration/test_provider_event_fields.py[postgresql]": 70,
    "tests/app/test_page_errors.py": 65,
    "tests/app/test_hostile_urls.py": 45,
    "tests/integration/test_admin_console.py[postgresql]": 45,
    "tests/app/test_stored_text_pages.py[postgresql]": 45,
    "tests/integration/test_erasure_resume.py": 40,
    "tests/integration/test_privacy_export.py": 40,
    "tests/integration/test_admin_console.py": 40,
    "tests/app/test_stored_text_pages.py": 35,
    "tests/integration/test_billing_creem.py[postgresql]": 35,
    "tests/e2e/test_studio.py": 315,
    "tests/e2e/test_sign_in.py": 205,
    "tests/e2e/test_no_third_parties.py": 155,
    "tests/e2e/test_local_session_cookie.py": 105,
    "tests/e2e/test_walking_skeleton.py": 80,
    "tests/e2e/test_submit_shortcut.py": 70,
    "tests/e2e/test_privacy_operations.py": 65,
    "tests/e2e/test_web_hardening.py": 62,
    "tests/e2e/test_gallery_grid.py": 60,
    "tests/e2e/test_privacy_centre.py": 58,
    "tests/e2e/test_markdown_escaping.py": 50,
    "tests/e2e/test_billing.py": 50,
    "tests/e2e/test_audit_log.py": 40,
    "tests/e2e/test_grid_selection.py": 40,
    "tests/e2e/test_restart.py": 40,
    "tests/e2e/test_fleet.py": 40,
    "tests/e2e/test_fal_generate.py": 30,
    "tests/e2e/test_hostile_user_text.py": 20,
    "tests/e2e/test_gallery_collections.py": 18,
    "tests/e2e/test_lab.py": 55,
    "tests/e2e/test_lab_components.py": 30,
}
POSTGRES_HALF = (
    "[postgresql"  # how pytest names the PostgreSQL half of a database test: test_x[postgresql] or [postgresql-1]
)


def e2e_groups(modules: list[str]) -> dict[str, int]:
    """Each browser-test module's group: the longest measured first, each to the group with the least so far (a new
    module counts as a short one), so the groups take about as long as each other."""
    load = [0.0] * E2E_GROUPS
    group: dict[str, int] = {}
    for module in sorted(modules, key=lambda m: (-MEASURED_SECONDS.get(m, 10), m)):
        group[module] = load.index(min(load))
        load[group[module]] += MEASURED_SECONDS.get(module, 10)
    return group


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist, which a run may leave out (-p no:xdist)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`make test`'s workers (pytest-xdist, `--dist loadscope`), with three rules over plain loadscope:
    - a test module stays whole on one worker (its module fixtures are built once), but the PostgreSQL half of a
      database test module is a unit of its own, so the two halves of a long module run side by side;
    - the browser tests run in `E2E_GROUPS` groups of whole modules, each group on one worker (one Atelier server and
      one Chromium per group), waiting on the browser while the other workers run the rest;
    - the longest unit (`MEASURED_SECONDS`, else its number of tests) is handed out first."""
    if config.getoption("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class LongestFirst(LoadScopeScheduling):
        _e2e_groups: dict[str, int] | None = None

        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            if module.startswith(E2E_SCOPE + "/"):
                if self._e2e_groups is None:  # the whole collection is known before the first call (schedule())
                    modules = {n.split("::", 1)[0] for n in self.collection or ()}
                    self._e2e_groups = e2e_groups(sorted(m for m in modules if m.startswith(E2E_SCOPE + "/")))
                return f"{E2E_SCOPE}#{self._e2e_groups.get(module, 0)}"
            return module + "[postgresql]" if POSTGRES_HALF in nodeid else module

        def _cost(self, scope: str) -> float:
            if scope.startswith(E2E_SCOPE + "#"):
                modules = {nodeid.split("::", 1)[0] for nodeid in self.workqueue[scope]}
                return sum(MEASURED_SECONDS.get(module, 10) for module in modules)
            return MEASURED_SECONDS.get(scope, len(self.workqueue[scope]))

        def _assign_work_unit(self, node: Any) -> None:
            self.workqueue.move_to_end(max(self.workqueue, key=self._cost), last=False)
            super()._assign_work_unit(node)

    return LongestFirst(config, log)


def page_errors(at: AppTest) -> list[str]:
    """What went wrong in an AppTest run: each exception the page shows, and a run the script did not finish."""
    errors = [
        "\n".join([f"{type(e).__name__}: {e.message}", *(line.rstrip() for line in e.stack_trace)])
        for e in at.exception
    ]
    if not errors and at.session_state[SCRIPT_RUN_WITHOUT_ERRORS_KEY] is False:
        # Details hidden (client.showErrorDetails = none): the run still says it did not end cleanly.
        errors.append("the script stopped with an uncaught exception (its details are hidden)")
    return errors


def checked(run: Callable[..., AppTest]) -> Callable[..., AppTest]:
    """AppTest's one run method (every `.run()`, on the app or on a widget, ends there), failing on a page error."""

    @functools.wraps(run)
    def run_and_check(self: AppTest, *args: Any, **kwargs: Any) -> AppTest:
        at = run(self, *args, **kwargs)
        if errors := page_errors(at):
            script = getattr(self, "_script_path", "the page")
            pytest.fail(
                f"{script} raised while the test ran it (mark the test @pytest.mark.{PAGE_RAISES} if that is the "
                "point of the test):\n\n" + "\n\n".join(errors),
                pytrace=False,
            )
        return at

    return run_and_check


@pytest.fixture(autouse=True)
def page_exceptions_fail_the_test(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every AppTest run in every test fails the test when the page raised (AppTest itself only records the
    exception on the page), unless the test is marked as making a page raise on purpose and asserts what the
    person sees."""
    if request.node.get_closest_marker(PAGE_RAISES) is None:
        monkeypatch.setattr(AppTest, "_run", checked(AppTest._run))


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, migrated to head once, dropped at the end."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:  # noqa: BLE001
        admin.dispose()
        if in_ci():
            pytest.fail(f"PostgreSQL is required in CI but unreachable at {POSTGRES_ADMIN_URL}: {exc}")
        pytest.skip(f"PostgreSQL unreachable at {POSTGRES_ADMIN_URL}")
    admin.dispose()
    with scratch_postgres(POSTGRES_ADMIN_URL, "atelier_test") as url:
        migrate(url)
        yield url


@pytest.fixture(scope="session")
def postgres_tables(postgres_url: str) -> str:
    """Every table of the migrated database but Alembic's own, read once: what each test empties."""
    engine = create_engine(postgres_url)
    with engine.connect() as conn:
        names = conn.execute(
            text(
                "SELECT quote_ident(tablename) FROM pg_tables "
                "WHERE schemaname = current_schema() AND tablename <> 'alembic_version' ORDER BY tablename"
            )
        ).scalars()
        tables = ", ".join(names)
    engine.dispose()
    return tables


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each database test runs twice: on a migrated SQLite file and on the migrated PostgreSQL database.

    Alembic runs once per run for each: a SQLite test gets a copy of a migrated file; a PostgreSQL test gets the
    run's migrated database with every table emptied. Emptying (about 0.13 s) was measured faster than a
    `CREATE DATABASE ... TEMPLATE` copy and its drop (about 0.25 s + 0.13 s) on PostgreSQL 15.
    """
    if request.param == "sqlite":
        yield migrated_sqlite(tmp_path / "atelier.db")
        return
    url = request.getfixturevalue("postgres_url")
    tables = request.getfixturevalue("postgres_tables")
    engine = create_engine(url)
    with engine.begin() as conn:
        # The audit log refuses TRUNCATE (it is append-only); replica mode skips that trigger, for tests only.
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
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
def s3_server() -> Iterator[S3Server]:
    """One local S3 (moto's server, in a child process) for the whole run, or for each pytest-xdist worker; a test
    takes a fresh bucket of its own (`s3_server.bucket()`)."""
    with S3Server() as server:
        yield server


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
