"""StoredExportService: exports an admin ran for a user (an access request that came by email or post). The
privacy centre's ZIP of everything is written to the blob store under `exports/<reference>.zip` with a row in
`stored_exports`; the user downloads it from their privacy centre through a signed link that only they can use;
the retention rule "exports" deletes it after EXPORT_RETENTION_DAYS (the row at once, the file through the
deletion outbox)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.clock import Clock
from core.domain import UserView
from core.errors import NotFoundError
from core.ports import BlobStore
from core.services.deletion_outbox import DeletionKind, owe_many
from core.services.export_archive import ExportDownload
from core.services.history_export import GONE, granted_user
from core.services.privacy_export import PrivacyExportService
from core.signing import STORED, ExportSigner
from db.repositories.stored_exports import StoredExportRepository
from db.tables import StoredExport
from db.uow import Database, UnitOfWork

PREFIX = "exports/"
REFERENCE = re.compile(r"[0-9A-F]{12}")  # a privacy request's reference (core/services/privacy_requests.py)
SWEEP_BATCH = 200


def blob_key(reference: str) -> str:
    return f"{PREFIX}{reference}.zip"


@dataclass(frozen=True)
class ReadyExport:
    """A stored export as the privacy centre offers it."""

    reference: str
    size_bytes: int
    created_at: datetime
    expires_at: datetime
    url: str


class StoredExportService:
    def __init__(
        self,
        db: Database,
        blobs: BlobStore,
        signer: ExportSigner,
        clock: Clock,
        exports: PrivacyExportService,
        *,
        retention_days: int,
    ) -> None:
        self.db, self.blobs, self.signer, self.clock, self.exports = db, blobs, signer, clock, exports
        self.retention = timedelta(days=retention_days)

    def write(self, user_id: int, reference: str) -> tuple[str, int]:
        """Build the user's full export and put it in the blob store (outside any transaction: it reads a
        consistent snapshot of its own). Returns the blob key and its size; `record` adds the row after."""
        # Streamed into the store as the ZIP is made: never a whole export in memory, however many images.
        key = blob_key(reference)
        with self.exports.export(user_id) as download:  # its temporary files go, even when the store fails midway
            size = self.blobs.put_stream(key, download, "application/zip")
        return key, size

    def record(self, uow: UnitOfWork, user_id: int, request_id: int, reference: str, key: str, size: int) -> datetime:
        """The row for a written export, in the caller's transaction; returns when it expires."""
        now = self.clock()
        row = StoredExport(
            user_id=user_id, request_id=request_id, reference=reference, blob_key=key, size_bytes=size,
            created_at=now, expires_at=now + self.retention,
        )  # fmt: skip
        uow.of(StoredExportRepository).add(row)
        return row.expires_at

    def ready(self, actor: UserView) -> dict[str, ReadyExport]:
        """The user's stored exports that have not expired, by their request's reference, each with a signed
        link for this user only."""
        with self.db.reader() as uow:
            rows = uow.of(StoredExportRepository).for_user(actor.id, self.clock())
        return {
            r.reference: ReadyExport(
                r.reference,
                r.size_bytes,
                r.created_at,
                r.expires_at,
                self.signer.url(STORED, actor.id, actor.session_version, f"ref={r.reference}"),
            )  # fmt: skip
            for r in rows
        }

    def open(self, params: Mapping[str, str]) -> ExportDownload:
        """The stored ZIP a link names, streamed from the blob store. A malformed, tampered or expired link, one
        from before "sign out everywhere", or one naming an export that is not the signer's own or has expired,
        is NotFoundError."""
        reference = params.get("ref", "")
        if not REFERENCE.fullmatch(reference):
            raise NotFoundError(GONE)
        grant = self.signer.verify(
            STORED, params.get("user", ""), params.get("sv", ""), params.get("exp", ""), f"ref={reference}",
            params.get("sig", ""),
        )  # fmt: skip
        if grant is None:
            raise NotFoundError(GONE)
        user = granted_user(self.db, grant)
        assert user.id is not None
        with self.db.reader() as uow:
            row = uow.of(StoredExportRepository).owned(reference, user.id, self.clock())
        if row is None or not self.blobs.exists(row.blob_key):
            raise NotFoundError(GONE)
        name = f"atelier-{row.created_at:%Y-%m-%d}-everything-{reference}.zip"
        chunks = self.blobs.open(row.blob_key)
        return ExportDownload(name, "application/zip", row.size_bytes, row.created_at, chunks, [])

    def sweep(self, now: datetime) -> int:
        """Delete the stored exports past their time: the rows, and their files owed to the deletion outbox in
        the same transaction. How many went."""
        gone = 0
        while True:
            with self.db.uow() as uow:
                repo = uow.of(StoredExportRepository)
                batch = repo.expired(now, SWEEP_BATCH)
                if not batch:
                    return gone
                owe_many(uow, DeletionKind.BLOB, [r.blob_key for r in batch], now)
                gone += repo.delete([r.id for r in batch if r.id is not None])
                uow.commit()


def owe_user_exports(uow: UnitOfWork, user_id: int, now: datetime, erasure: str = "") -> int:
    """An erasure's step: every stored export file of the user owed to the deletion outbox (the rows go in the
    table's own step). How many files."""
    keys = uow.of(StoredExportRepository).blob_keys(user_id)
    owe_many(uow, DeletionKind.BLOB, keys, now, erasure)
    return len(keys)
