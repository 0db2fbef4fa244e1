"""The deletion outbox's runner: carries out each deletion owed to another system (a file in the media store or
in the withheld store, an engine's stored payloads of a job), after the commit that owed it. A failure is never
dropped: the row stays, counts its attempts, keeps the failure's type (never its message, which could name a
file or a person) and is tried again later, backing off to once an hour; the receipt and the log say how many
are still owed."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from core.clock import Clock
from core.errors import ConfigurationError
from core.ports import BlobStore, ImageEngine, PaymentProvider
from core.services.deletion_outbox import DeletionKind
from db.repositories.deletions import DeletionRepository
from db.tables import PendingDeletion
from db.uow import Database

log = logging.getLogger(__name__)
FIRST_RETRY_SECONDS = 30.0
MAX_RETRY_SECONDS = 3600.0
BATCH = 200


def retry_delay(attempts: int) -> timedelta:
    """After the n-th failure: 30 s, 1 min, 2 min, ... at most an hour."""
    return timedelta(seconds=min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), MAX_RETRY_SECONDS))


@dataclass(frozen=True)
class OwedDeletions:
    owed: int
    failing: int  # of those, how many failed at least once (they are retried)


class DeletionRunner:
    def __init__(
        self,
        db: Database,
        blobs: BlobStore,
        withheld: BlobStore,
        engine: ImageEngine,
        clock: Clock,
        payments: Mapping[str, PaymentProvider] | None = None,
    ) -> None:
        self.db, self.blobs, self.withheld, self.engine, self.clock = db, blobs, withheld, engine, clock
        self.payments = dict(payments or {})

    def run(self, batch: int = BATCH) -> int:
        """Carry out the deletions due now, a batch at a time until none is due; how many were done. Each
        outcome is its own short transaction."""
        done = failed = 0
        while True:
            with self.db.reader() as uow:
                due = uow.of(DeletionRepository).due(self.clock(), batch)
            carried_out = [row.id for row in due if row.id is not None and self._attempt(row)]
            with self.db.uow() as uow:  # one short write for the whole batch's successes
                uow.of(DeletionRepository).done(carried_out)
                uow.commit()
            done, failed = done + len(carried_out), failed + len(due) - len(carried_out)
            if len(due) < batch:
                break
        if failed:
            owed = self.owed()
            log.warning("%d deletions still owed to other systems (%d failing)", owed.owed, owed.failing)
        return done

    def _attempt(self, row: PendingDeletion) -> bool:
        assert row.id is not None
        try:
            self._carry_out(row)
        except Exception as exc:  # noqa: BLE001 - any failure is retried; its type is all that is kept
            attempts = row.attempts + 1
            log.warning("A %s deletion failed (attempt %d): %s; retried later", row.kind, attempts, type(exc).__name__)
            with self.db.uow() as uow:
                uow.of(DeletionRepository).failed(row.id, type(exc).__name__, self.clock() + retry_delay(attempts))
                uow.commit()
            return False
        return True

    def owed(self) -> OwedDeletions:
        with self.db.reader() as uow:
            total, failing = uow.of(DeletionRepository).still_owed()
        return OwedDeletions(total, failing)

    def _carry_out(self, row: PendingDeletion) -> None:
        kind = DeletionKind(row.kind)
        if kind in (DeletionKind.ENGINE, DeletionKind.ENGINE_CANCEL):
            if kind is DeletionKind.ENGINE_CANCEL:
                self.engine.cancel(row.target)
            self.engine.forget(row.target)
            return
        if kind is DeletionKind.SUBSCRIPTION:
            provider, subscription = row.target.split(":", 1)
            if provider not in self.payments:
                raise ConfigurationError("The plan's payment provider is not configured")  # owed until it is
            self.payments[provider].cancel_plan(subscription)
            return
        store = self.blobs if kind is DeletionKind.BLOB else self.withheld
        # A target ending in "/" is a prefix: every file under it (a user's whole folder on erasure).
        keys = list(store.keys(row.target)) if row.target.endswith("/") else [row.target]
        for key in keys:
            store.delete(key)
