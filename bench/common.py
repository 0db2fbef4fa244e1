"""Shared benchmark helpers: timing summaries, a scratch PostgreSQL database and table printing."""

from __future__ import annotations

import os
import socket
import statistics
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import uvicorn
from sqlalchemy import Engine, create_engine, text
from starlette.applications import Starlette
from starlette.routing import BaseRoute

from db.schema import migrate
from tests.ci import in_ci
from tests.migrated_db import scratch_postgres

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_admin_url() -> str:
    """Where scratch databases are created: BENCH_POSTGRES_URL, else the tests' TEST_POSTGRES_URL, else local."""
    return os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL


def postgres_reachable(admin_url: str) -> bool:
    engine = create_engine(admin_url)
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        return True
    except Exception:  # noqa: BLE001  (any failure means "not here")
        return False
    finally:
        engine.dispose()


@contextmanager
def migrated_database(kind: str, tmp: Path) -> Iterator[str]:
    """A migrated SQLite file in `tmp`, or a scratch PostgreSQL database dropped afterwards."""
    if kind == "sqlite":
        url = f"sqlite:///{tmp / 'atelier.db'}"
        migrate(url)
        yield url
        return
    with scratch_postgres(postgres_admin_url(), "atelier_bench") as url:
        migrate(url)
        yield url


def ms_since(start_ns: int) -> float:
    return (time.perf_counter_ns() - start_ns) / 1e6


def time_ms(fn: Callable[[], object]) -> float:
    start = time.perf_counter_ns()
    fn()
    return ms_since(start)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def spread(values: Sequence[float], digits: int = 2) -> str:
    """'median [min–max]', the way reference/performance.md reports every figure."""
    return f"{median(values):.{digits}f} [{min(values):.{digits}f}–{max(values):.{digits}f}]"


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    print(line.format(*headers))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line.format(*row))


def finish_seeding(engine: Engine, tables: Sequence[str] = ("users", "images")) -> None:
    """After inserting rows with explicit ids: move PostgreSQL's sequences past them (as a real history would),
    then fresh planner statistics on either database."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in tables:
                conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
                )
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def reachable_backends(kinds: Sequence[str]) -> Iterator[str]:
    """The databases to run on: PostgreSQL is skipped with a message when unreachable, except in CI."""
    for kind in kinds:
        if kind == "postgresql" and not postgres_reachable(postgres_admin_url()):
            message = f"PostgreSQL unreachable at {postgres_admin_url()}"
            if in_ci():
                raise SystemExit(f"{message}, and CI is set: the PostgreSQL figures are required")
            print(f"\n{message}; skipped")
            continue
        yield kind


def serve_routes(routes: Sequence[BaseRoute]) -> tuple[uvicorn.Server, str]:
    """The routes on a real uvicorn server in a thread, on a free port; returns the server and its base URL."""
    app = Starlette(routes=list(routes))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.01)
    return server, f"http://127.0.0.1:{port}"


def watched_load(
    context: BrowserContext, url: str, watcher: str, *, cold: bool, timeout_ms: int, failure: str
) -> dict[str, Any]:
    """Open `url` in a new tab (its browser cache cleared first when `cold`) and return what the page's own watcher
    left in `window[watcher]` (its timings); a page that never gets there ends the bench with what it showed."""
    page = context.new_page()
    try:
        if cold:
            session = context.new_cdp_session(page)
            session.send("Network.clearBrowserCache")
            session.detach()
        page.goto(url, wait_until="commit")
        try:
            page.wait_for_function(f"() => window.{watcher} !== undefined", timeout=timeout_ms, polling=50)
        except Exception as exc:  # noqa: BLE001  (say what the page showed, then stop)
            text = page.locator("body").inner_text(timeout=2_000)[:1_500]
            raise SystemExit(f"{url}: {failure} ({type(exc).__name__}). The page said:\n{text}") from None
        seen: dict[str, Any] = page.evaluate(f"() => window.{watcher}")
        return seen
    finally:
        page.close()
