"""Readiness: whether this replica can serve now, checked part by part for the load balancer's probe (/readyz)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from core.logs import log_failure
from core.ports import BlobStore
from db.uow import Database

log = logging.getLogger(__name__)

OK, FAILED, BEHIND = "ok", "failed", "not at head"
# Never written: asking whether it exists is one round trip to the store (a HEAD on S3), nothing more.
PROBE_KEY = "health/readyz-probe"

Check = Callable[[], str]


class ReadinessService:
    """Three checks, each answering OK or a short word: never an exception's message, a URL or a revision, as the
    probe answers anybody who asks. The log says what failed, by type, for the operator."""

    def __init__(self, db: Database, blobs: BlobStore, schema_problem: Callable[[], str | None]) -> None:
        self.db = db
        self.blobs = blobs
        self.schema_problem = schema_problem

    def checks(self) -> dict[str, Check]:
        """Each check by name; the route runs them side by side, each with its own time limit."""
        return {"database": self.database, "blobs": self.blob_store, "schema": self.schema}

    def database(self) -> str:
        return _guarded("database", self.db.ping)

    def blob_store(self) -> str:
        return _guarded("blob store", lambda: self.blobs.exists(PROBE_KEY))

    def schema(self) -> str:
        """At this build's head: a replica whose schema is behind would fail on its first new column."""
        try:
            problem = self.schema_problem()
        except Exception as exc:
            log_failure(log, "Readiness check failed: the schema's revision could not be read", exc)
            return FAILED
        if problem:
            log.warning("Not ready: %s", problem)  # revisions and the command to run; no secret
            return BEHIND
        return OK


def _guarded(what: str, check: Callable[[], object]) -> str:
    try:
        check()
    except Exception as exc:
        log_failure(log, f"Readiness check failed: the {what} does not answer", exc)
        return FAILED
    return OK
