"""OrphanBlobService: files in the media store and the withheld store that no row names, found by listing each
store. A blob is written before the row naming it commits, so an orphan is only deleted by a sweep at least
ORPHAN_GRACE after the sweep that first saw it, if it is still orphaned then. Only keys of a shape this service
knows the owner of are touched: another capability's prefix (stored exports, ...) is left alone.

The file is deleted directly rather than through the deletion outbox: no row names it, so there is no
transaction its deletion must follow, and a deletion that fails leaves it orphaned for the next sweep to retry."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice

from core.errors import BlobNotFoundError
from core.ports import BlobStore
from db.repositories.orphan_blobs import OrphanBlobRepository
from db.uow import Database, UnitOfWork

log = logging.getLogger(__name__)
ORPHAN_GRACE = timedelta(hours=1)  # longer than any write of a blob before its row commits
BATCH = 500
# An image's file, thumbnail or preview, or a withheld image: "u<user id>/<32 hex digits>.<extension(s)>"
# (core/services/image_store.py, core/services/job_io.py).
IMAGE_KEY = re.compile(r"u\d+/[0-9a-f]{32}\.[a-z0-9]+(\.[a-z0-9]+)?")
EXPORT_KEY = re.compile(r"exports/[0-9A-F]{12}\.zip")  # core/services/stored_exports.blob_key


@dataclass(frozen=True)
class BlobSource:
    """One store the sweep lists: which keys it may delete there, and which of them rows name."""

    name: str  # "media" | "withheld": recorded with each orphan
    store: BlobStore
    owns: re.Pattern[str]
    named: Callable[[UnitOfWork, list[str]], set[str]]


def media_source(store: BlobStore) -> BlobSource:
    return BlobSource("media", store, IMAGE_KEY, lambda uow, keys: uow.of(OrphanBlobRepository).named_images(keys))


def exports_source(store: BlobStore) -> BlobSource:
    """The exports an admin ran for a user, kept in the media store under `exports/` until they expire."""
    return BlobSource("exports", store, EXPORT_KEY, lambda uow, keys: uow.of(OrphanBlobRepository).named_exports(keys))


def withheld_source(store: BlobStore) -> BlobSource:
    return BlobSource("withheld", store, IMAGE_KEY, lambda uow, keys: uow.of(OrphanBlobRepository).named_withheld(keys))


class OrphanBlobService:
    def __init__(self, db: Database, sources: Iterable[BlobSource]) -> None:
        self.db, self.sources = db, tuple(sources)

    def sweep(self, now: datetime) -> int:
        """Delete the orphans seen at least ORPHAN_GRACE ago and still orphaned; note the new ones. How many went."""
        return sum(self._sweep(source, now) for source in self.sources)

    def _sweep(self, source: BlobSource, now: datetime) -> int:
        with self.db.reader() as uow:
            seen = uow.of(OrphanBlobRepository).seen(source.name)
        listed: set[str] = set()
        due: list[str] = []
        for batch in _batches(key for key in source.store.keys() if source.owns.fullmatch(key)):
            listed.update(batch)
            due += self._note(source, batch, seen, now)
        deleted = {key for key in due if self._delete(source, key)}
        gone = set(seen) - listed  # deleted by someone else (erasure, the outbox) since it was seen
        with self.db.uow() as uow:
            uow.of(OrphanBlobRepository).forget(source.name, gone | deleted)
            uow.commit()
        return len(deleted)

    def _note(self, source: BlobSource, batch: list[str], seen: dict[str, datetime], now: datetime) -> list[str]:
        """Of one batch of listed keys: forget the orphans a row now names, note the new orphans, and return the
        ones due for deletion."""
        with self.db.uow() as uow:
            orphans = uow.of(OrphanBlobRepository)
            named = source.named(uow, batch)
            orphans.forget(source.name, [key for key in batch if key in named and key in seen])
            for key in batch:
                if key not in named and key not in seen:
                    orphans.add(source.name, key, now)
            uow.commit()
        return [key for key in batch if key not in named and key in seen and seen[key] <= now - ORPHAN_GRACE]

    def _delete(self, source: BlobSource, key: str) -> bool:
        try:
            source.store.delete(key)
        except (OSError, BlobNotFoundError) as exc:
            log.warning(
                "An orphaned %s file could not be deleted (%s); kept for the next sweep",
                source.name,
                type(exc).__name__,
            )
            return False
        return True


def _batches(keys: Iterator[str] | Iterable[str]) -> Iterator[list[str]]:
    it = iter(keys)
    while batch := list(islice(it, BATCH)):
        yield batch
