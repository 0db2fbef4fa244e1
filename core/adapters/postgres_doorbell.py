"""The doorbell across processes: PostgreSQL's NOTIFY on a channel of ours, which every worker LISTENs on.

A ring is a NOTIFY sent on a pooled connection of the app's database engine after the job's transaction committed,
so the job is visible to whoever is woken (a new connection per ring cost a submit ~10 ms). A worker listens on one connection of its own; when that connection drops, it reconnects and
misses nothing that matters: a wait then ends as if rung, and the worker looks for work anyway.
"""

from __future__ import annotations

import logging
import threading

import psycopg
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from core.adapters.local_doorbell import LocalDoorbell

log = logging.getLogger(__name__)
CHANNEL = "atelier_jobs"


def libpq_url(sqlalchemy_url: str) -> str:
    """A SQLAlchemy URL (postgresql+psycopg://…) as the plain one psycopg takes."""
    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)


class PostgresDoorbell:
    def __init__(self, engine: Engine, connect_timeout: float = 5.0) -> None:
        self._engine = engine
        self._url, self._timeout = libpq_url(engine.url.render_as_string(hide_password=False)), connect_timeout
        self._local = LocalDoorbell()  # a worker in this same process hears a ring without a round trip
        self._listener: psycopg.Connection[tuple[object, ...]] | None = None
        self._lock = threading.Lock()

    def ring(self) -> None:
        self._local.ring()
        try:
            with self._engine.connect() as conn:
                conn.execute(text(f"NOTIFY {CHANNEL}"))
                conn.commit()
        except SQLAlchemyError as exc:  # the worker's polling still finds the job
            log.warning("Could not ring the workers' doorbell (%s)", type(exc).__name__)

    def wait(self, timeout: float) -> bool:
        """Wait for a NOTIFY (from any process) or a ring in this one, whichever comes first."""
        with self._lock:
            try:
                conn = self._listen()
                rung = any(True for _ in conn.notifies(timeout=timeout, stop_after=1))
                if rung:
                    _drain(conn)
                return rung or self._local.wait(0)
            except psycopg.Error as exc:
                log.warning("The workers' doorbell lost its connection (%s); reconnecting", type(exc).__name__)
                self._drop()
                return True  # look for work at once: a ring may have been missed

    def close(self) -> None:
        self._local.close()
        with self._lock:
            self._drop()

    def _listen(self) -> psycopg.Connection[tuple[object, ...]]:
        if self._listener is None or self._listener.closed:
            self._listener = psycopg.connect(self._url, autocommit=True, connect_timeout=int(self._timeout))
            self._listener.execute(f"LISTEN {CHANNEL}")
        return self._listener

    def _drop(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None


def _drain(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    """Take the other rings already waiting: one round of claims serves them all."""
    for _ in conn.notifies(timeout=0):
        pass
