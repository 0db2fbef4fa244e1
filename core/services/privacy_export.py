"""PrivacyExportService: the privacy centre's "download everything" (the right of access and portability): its
expected size, the signed, expiring link (making it records the access request), and the ZIP it opens,
streamed like the history export's (core/services/export_archive.py) with flat memory."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from core.clock import Clock
from core.domain import UserView
from core.domain.gallery import GalleryFilter
from core.domain.privacy_export import PrivacyExportSummary
from core.errors import NotFoundError
from core.ports import BlobStore
from core.services import privacy_requests
from core.services.export_archive import ExportDownload, ImageList, TempFile, close_all, spooled, zip_download
from core.services.history_export import FIXED_ESTIMATE, GONE, PER_IMAGE_ESTIMATE, granted_user
from core.services.privacy_export_files import write_generations, write_tables
from core.services.privacy_export_profile import profile
from core.services.privacy_export_readme import readme
from core.services.privacy_requests import RequestKind
from core.signing import EVERYTHING, ExportSigner
from db.repositories.privacy_export import PrivacyExportRepository
from db.uow import Database

PER_ROW_ESTIMATE = 400  # a job's JSON object and CSV row, or a ledger row, on average
OTHER_FILES_ESTIMATE = 8_000  # profile.json, the small CSVs, README.txt


def archive_name(issued_at: datetime) -> str:
    return f"atelier-{issued_at:%Y-%m-%d}-everything.zip"


class PrivacyExportService:
    def __init__(
        self,
        db: Database,
        blobs: BlobStore,
        signer: ExportSigner,
        clock: Clock,
        *,
        region: str,
        policy_version: Callable[[], str],
    ) -> None:
        self.db, self.blobs, self.signer, self.clock = db, blobs, signer, clock
        self.region, self.policy_version = region, policy_version

    def summary(self, user: UserView) -> PrivacyExportSummary:
        """How many jobs and images the download holds, and about how large it is: sums in SQL, no file read."""
        with self.db.reader() as uow:
            images, size, prompt_chars = uow.exports.totals(user.id, GalleryFilter())
            jobs, _, ledger = uow.of(PrivacyExportRepository).counts(user.id)
        estimate = size + images * PER_IMAGE_ESTIMATE + 2 * prompt_chars + (jobs + ledger) * PER_ROW_ESTIMATE
        return PrivacyExportSummary(jobs, images, estimate + FIXED_ESTIMATE + OTHER_FILES_ESTIMATE)

    def link(self, user: UserView) -> str:
        """A relative URL to everything, signed for this user, valid for an hour. Asking for it is the user's
        access request, recorded (completed at once) before the link is given; restriction does not stop it."""
        now = self.clock()
        with self.db.uow() as uow:
            privacy_requests.record(uow, user.id, RequestKind.ACCESS, now, artifact=archive_name(now))
            uow.commit()
        return self.signer.url(EVERYTHING, user.id, user.session_version, "")

    def open(self, params: Mapping[str, str]) -> ExportDownload:
        """The download a link names. A malformed, tampered or expired link, or one from before "sign out
        everywhere", is NotFoundError (the history export's), before anything is read."""
        grant = self.signer.verify(
            EVERYTHING,
            params.get("user", ""),
            params.get("sv", ""),
            params.get("exp", ""),
            "",
            params.get("sig", ""),
        )
        if grant is None:
            raise NotFoundError(GONE)
        row = granted_user(self.db, grant)
        assert row.id is not None
        return self.export(row.id, grant.issued_at)

    def export(self, user_id: int, issued_at: datetime | None = None) -> ExportDownload:
        """Write every file but the originals to temporary files in one consistent read, then hand back the
        ZIP's stream of known size. `issued_at` (the link's issue time) dates the export's own files, so the
        same link, opened again, gives the same bytes."""
        issued_at = issued_at or self.clock()
        generations: tuple[TempFile, TempFile] = (spooled(), spooled())
        images = ImageList()
        tables: list[tuple[str, TempFile]] = []
        try:
            with self.db.reader() as uow:
                uow.exports.hold_snapshot()
                user = uow.users.get(user_id)
                if user is None:
                    raise NotFoundError(GONE)
                version = self.policy_version()
                about_you = profile(uow, user, issued_at, self.region, version)
                written = write_generations(uow, self.blobs, user_id, issued_at, generations, images)
                write_tables(uow, user_id, tables)
            texts = [("README.txt", readme(issued_at, self.region, version, written))]
            texts.append(("profile.json", about_you))
            files = [("generations.json", generations[1]), ("generations.csv", generations[0]), *tables]
            return zip_download(archive_name(issued_at), issued_at, self.blobs, texts, files, images)
        except BaseException:
            close_all((*generations, images.file, *(handle for _, handle in tables)))
            raise
