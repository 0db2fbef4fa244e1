"""Database engines: SQLite (WAL, write transactions BEGIN IMMEDIATE) or PostgreSQL, from one URL."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, ExceptionContext, create_engine, event
from sqlalchemy.pool import StaticPool

from core.errors import DuplicateKeyError
from core.private_files import FILE_MODE, narrow, private_file, private_folder
from db.text_guard import guard_text

WRITE_OPTION = "atelier_write"
UNIQUE_VIOLATION = "23505"  # PostgreSQL's SQLSTATE for unique_violation
SQLITE_UNIQUE_ERRORS = {2067, 1555}  # SQLITE_CONSTRAINT_UNIQUE, SQLITE_CONSTRAINT_PRIMARYKEY


def make_engine(url: str, *, echo: bool = False) -> Engine:
    engine = _sqlite_engine(url, echo) if url.startswith("sqlite") else _postgres_engine(url, echo)
    event.listen(engine, "handle_error", _duplicate_key)
    guard_text(engine)
    return engine


def _postgres_engine(url: str, echo: bool) -> Engine:
    # hide_parameters: SQL parameters (prompts, emails) never appear in logs or error messages.
    # prepare_threshold=None: psycopg never prepares statements on the server, so PostgreSQL plans each gallery
    # query for its own values (a prepared, generic plan made a rare word's search 20 times slower).
    return create_engine(
        url,
        echo=echo,
        hide_parameters=True,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
        connect_args={"prepare_threshold": None},
    )


def writer(engine: Engine) -> Engine:
    """The same engine, marked so that SQLite takes the write lock when the transaction begins.

    A deferred SQLite transaction that reads and then writes can fail at once with "database
    is locked" when another writer commits in between; BEGIN IMMEDIATE waits its turn instead.
    """
    return engine.execution_options(**{WRITE_OPTION: True})


def _sqlite_engine(url: str, echo: bool) -> Engine:
    in_memory = url in ("sqlite://", "sqlite:///:memory:")
    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
    if in_memory:
        kwargs["poolclass"] = StaticPool
    else:
        path = Path(url.split("sqlite:///", 1)[1])
        # Created 0600 before SQLite opens it: SQLite gives its -wal and -shm files the database's mode.
        private_file(private_folder(path.parent) / path.name)
        for journal in ("-wal", "-shm", "-journal"):
            narrow(path.with_name(path.name + journal), FILE_MODE)
    engine = create_engine(url, echo=echo, hide_parameters=True, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted rows are overwritten with zeros, not left in free space: an erased account leaves no bytes.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()
        # SQLite's own lower() folds ASCII only; searches ("Émile") must fold like PostgreSQL's does.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = "IMMEDIATE" if connection.get_execution_options().get(WRITE_OPTION) else "DEFERRED"
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def _duplicate_key(context: ExceptionContext) -> BaseException | None:
    """A unique key's violation becomes the domain's DuplicateKeyError, wherever the write was flushed (an
    explicit flush, a query's autoflush or the commit), so services never handle a driver's exception.
    Other integrity errors (a foreign key, a NOT NULL) are bugs and stay as they are."""
    original = context.original_exception
    if getattr(original, "sqlstate", None) == UNIQUE_VIOLATION or (
        isinstance(original, sqlite3.IntegrityError)
        and getattr(original, "sqlite_errorcode", None) in SQLITE_UNIQUE_ERRORS
    ):
        return DuplicateKeyError()
    return None


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value
