"""Job leases: who may work on a job right now, renewed by a heartbeat while slow work is under way."""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType

from core.clock import Clock
from db.uow import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Lease:
    generation_id: str
    owner: str  # a random token: only its holder can renew or release the lease


class LeaseKeeper:
    """Takes, renews and releases leases in their own short transactions."""

    def __init__(self, db: Database, clock: Clock, seconds: float) -> None:
        self.db, self.clock = db, clock
        self.duration = timedelta(seconds=seconds)

    def claim(self, generation_id: str) -> Lease | None:
        lease = Lease(generation_id, uuid.uuid4().hex)
        now = self.clock()
        with self.db.uow() as uow:
            if not uow.generations.claim(generation_id, lease.owner, now, now + self.duration):
                return None
            uow.commit()
        return lease

    def renew(self, lease: Lease) -> bool:
        with self.db.uow() as uow:
            renewed = uow.generations.renew(lease.generation_id, lease.owner, self.clock() + self.duration)
            uow.commit()
        return renewed

    def claim_batch(self, limit: int, *, due_only: bool = True) -> list[Lease]:
        """The leases of up to `limit` jobs nobody is working on, taken in one transaction (a worker's round)."""
        owner, now = uuid.uuid4().hex, self.clock()
        with self.db.uow() as uow:
            ids = uow.generations.claim_batch(owner, now, now + self.duration, limit, due_only=due_only)
            uow.commit()
        return [Lease(generation_id, owner) for generation_id in ids]

    def release(self, lease: Lease, not_before: datetime | None = None) -> None:
        with self.db.uow() as uow:
            uow.generations.release(lease.generation_id, lease.owner, not_before)
            uow.commit()

    def heartbeat(self, lease: Lease) -> Heartbeat:
        return Heartbeat(self, lease, self.duration.total_seconds() / 3)


class Heartbeat:
    """Renews a lease every `interval` seconds on a daemon thread, until the block ends.

    A slow submit or download must never look abandoned to the worker, or the job
    would be worked on twice. The thread never raises: a failed renewal is logged and retried.
    """

    def __init__(self, keeper: LeaseKeeper, lease: Lease, interval: float) -> None:
        self.keeper, self.lease, self.interval = keeper, lease, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{lease.generation_id[:8]}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                if not self.keeper.renew(self.lease):
                    log.info("Generation %s: lease no longer held, heartbeat stops", self.lease.generation_id)
                    return
            except Exception:  # noqa: BLE001  the database may be briefly away; try again next beat
                log.warning("Generation %s: lease renewal failed; will retry", self.lease.generation_id)
