"""Databases at the migrations' head for tests: Alembic runs once per test run, each test gets a copy of the result."""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, text

from db.schema import migrate

# Where the tests create their PostgreSQL databases (user postgres, trust auth); TEST_POSTGRES_URL moves it.
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@functools.cache
def sqlite_template() -> Path:
    """One SQLite file migrated by the real migrations, built on first use and removed when the process ends.

    A copy costs well under a millisecond where a migration costs most of a second, so tests, the app tests'
    settings and every browser test's server start from a copy of this file.
    """
    folder = Path(tempfile.mkdtemp(prefix="atelier-template-"))
    atexit.register(shutil.rmtree, folder, True)
    path = folder / "atelier.db"
    migrate(f"sqlite:///{path}")
    # The engine leaves the file in WAL mode: fold the log into the file, so copying the file alone is complete.
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    for leftover in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    return path


def migrated_sqlite(path: Path) -> str:
    """The URL of a SQLite database at `path` at the migrations' head: a new file is a copy of the template;
    an existing one (a server taking over a data dir) is migrated in place, a no-op at head."""
    url = f"sqlite:///{path}"
    if path.exists():
        migrate(url)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(sqlite_template(), path)  # copy, not copyfile: the file keeps the mode the migration gave it
    return url


@contextlib.contextmanager
def scratch_postgres(admin_url: str, prefix: str = "atelier_scratch") -> Iterator[str]:
    """A new, empty PostgreSQL database `<prefix>_<random>` on the server of `admin_url`, dropped on the way out
    whatever happens (its connections closed first)."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield admin_url.rsplit("/", 1)[0] + f"/{name}"
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
