"""KeyRotationService: moves every stored blob under the current key-encryption key (the first of ENCRYPTION_KEYS):
re-wraps the data key of a blob still under a retired key, and encrypts a blob stored before encryption was on.

Each blob is replaced whole, on its own, and its header says which key it is under, so the work is resumable by
nature: a run cut short (a crash, a restart) is finished by the next, which skips what is done, and nothing is
lost. Each pass is recorded (table key_rotations) with its counts as it goes and when it finished, and logged."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from core.clock import Clock
from core.errors import BlobNotFoundError, BlobTamperedError
from core.keyring import KeyMissingError
from core.logs import log_failure
from core.ports import SealedBlobStore
from db.repositories.key_rotations import KeyRotationRepository
from db.uow import Database

log = logging.getLogger(__name__)
PROGRESS_EVERY = 200  # blobs between two records of a pass's counts


@dataclass
class RotationOutcome:
    """One pass over every store: how many blobs were already under the current key, re-wrapped, encrypted
    (plaintext from before), or could not be moved (each logged by its error's type)."""

    current: str
    started_at: datetime
    finished_at: datetime | None = None
    current_already: int = 0
    rewrapped: int = 0
    encrypted: int = 0
    failed: int = 0
    left_under: dict[str, int] = field(default_factory=dict)  # retired key id (or "plaintext"): blobs still under it

    @property
    def changed(self) -> int:
        return self.rewrapped + self.encrypted

    @property
    def complete(self) -> bool:
        return self.finished_at is not None and self.failed == 0


class KeyRotationService:
    def __init__(self, db: Database, stores: Mapping[str, SealedBlobStore], current: str, clock: Clock) -> None:
        self.db, self.stores, self.current, self.clock = db, stores, current, clock

    def run_if_due(self) -> int:
        """The periodic task: a pass, unless one under the current key has completed (every blob written since
        is under it). How many blobs it changed."""
        if not self.stores:
            return 0
        with self.db.reader() as uow:
            if uow.of(KeyRotationRepository).completed_under(self.current):
                return 0
        return self.rotate().changed

    def rotate(self) -> RotationOutcome:
        outcome = RotationOutcome(self.current, self.clock())
        with self.db.uow() as uow:
            rotation_id = uow.of(KeyRotationRepository).start(self.current, outcome.started_at)
            uow.commit()
        seen = 0
        for name, store in self.stores.items():
            for key in list(store.keys()):
                self._move(name, store, key, outcome)
                seen += 1
                if seen % PROGRESS_EVERY == 0:
                    self._record(rotation_id, outcome)
        outcome.finished_at = self.clock()
        self._record(rotation_id, outcome)
        log.info(
            "Key rotation to %r: %d blobs already under it, %d re-wrapped, %d encrypted, %d failed",
            self.current,
            outcome.current_already,
            outcome.rewrapped,
            outcome.encrypted,
            outcome.failed,
        )
        return outcome

    def history(self, limit: int = 10) -> list[RotationOutcome]:
        """The latest passes, newest first; one without an end is running or was cut short (the next finishes it)."""
        with self.db.reader() as uow:
            rows = uow.of(KeyRotationRepository).latest(limit)
        return [
            RotationOutcome(
                row.current_key, row.started_at, row.finished_at, row.already, row.rewrapped, row.encrypted, row.failed
            )
            for row in rows
        ]

    def _record(self, rotation_id: int, outcome: RotationOutcome) -> None:
        counts = (outcome.current_already, outcome.rewrapped, outcome.encrypted, outcome.failed)
        with self.db.uow() as uow:
            uow.of(KeyRotationRepository).record(rotation_id, counts, outcome.finished_at)
            uow.commit()

    def _move(self, name: str, store: SealedBlobStore, key: str, outcome: RotationOutcome) -> None:
        kek: str | None = "unreadable"
        try:
            kek = store.kek_of(key)
            if kek == self.current:
                outcome.current_already += 1
            elif store.rewrap(key):
                if kek is None:
                    outcome.encrypted += 1
                else:
                    outcome.rewrapped += 1
        except BlobNotFoundError:
            return  # deleted while the pass ran: nothing to move
        except (BlobTamperedError, KeyMissingError) as exc:  # one bad blob must not stop the others
            # Anything else (a full disk, a store away) stops the pass; the next one carries on from there.
            outcome.failed += 1
            left = "plaintext" if kek is None else kek
            outcome.left_under[left] = outcome.left_under.get(left, 0) + 1
            log_failure(log, f"Key rotation could not move a blob of the {name} store", exc)
