"""HistoryExportService: a user's history (all of it, or the gallery's current filter) as a CSV, or as a ZIP of
the originals with that CSV and the same data as JSON; the size to expect; and the signed, expiring links."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urlencode

from core.clock import Clock
from core.csv_safe import CsvWriter
from core.domain import UserView
from core.domain.export import (
    CSV_COLUMNS,
    SCHEMA,
    ExportFormat,
    ExportRow,
    ExportSummary,
    cost_shares,
    filter_object,
    image_file,
    iso_utc,
)
from core.domain.gallery import UPLOAD_KIND, GalleryFilter, GalleryQuery, SortOrder
from core.domain.url_params import from_params, to_params
from core.errors import AtelierError, BlobNotFoundError, NotFoundError
from core.ports import BlobStore
from core.services.account_views import user_view
from core.services.export_archive import (
    ExportDownload,
    ImageList,
    JsonStream,
    TempFile,
    close_all,
    file_size,
    read_chunks,
    spooled,
    zip_download,
)
from core.services.export_readme import readme
from core.signing import EXPORT_FORMATS, ExportGrant, ExportSigner
from db.repositories.exports import ExportRepository
from db.tables import Generation, Image, User
from db.uow import Database, UnitOfWork

BATCH = 500  # images read per keyset query: never the whole history at once
# Bytes per image besides its original and its prompt: a CSV row and a JSON object (~1 KB together, most of
# it names and ids) and the ZIP's three records for the file (~150 bytes). Prompts appear twice.
PER_IMAGE_ESTIMATE = 1_200
FIXED_ESTIMATE = 4_000  # README.txt, the CSV header, the JSON header, the ZIP's own records
GONE = "No such export, or the link has expired."


@dataclass
class _Prepared:
    csv: TempFile
    json: TempFile | None
    images: ImageList
    count: int = 0
    missing: int = 0


class HistoryExportService:
    def __init__(self, db: Database, blobs: BlobStore, signer: ExportSigner, clock: Clock) -> None:
        self.db, self.blobs, self.signer, self.clock = db, blobs, signer, clock

    def summary(self, user: UserView, gallery_filter: GalleryFilter | None = None) -> ExportSummary:
        """How many images match, and about how large their ZIP will be: two sums in SQL, no file touched."""
        with self.db.reader() as uow:
            count, size, prompt_chars = uow.exports.totals(user.id, gallery_filter or GalleryFilter())
        return ExportSummary(count, size + count * PER_IMAGE_ESTIMATE + 2 * prompt_chars + FIXED_ESTIMATE)

    def link(self, user: UserView, gallery_filter: GalleryFilter | None, fmt: ExportFormat) -> str:
        """A relative URL to the export, signed for this user, valid for an hour."""
        query = filter_query(canonical(gallery_filter or GalleryFilter()))
        return self.signer.url(fmt, user.id, user.session_version, query)

    def open(self, fmt: str, params: Mapping[str, str]) -> ExportDownload:
        """The download a link names. The link's filter is read as the gallery reads it, and the signature
        must cover exactly that filter, the user, their session version and the expiry; any mismatch, an
        expired link or one from before "sign out everywhere" is NotFoundError, before any image is read."""
        gallery_filter = from_params(params).filter
        grant = self.signer.verify(
            fmt,
            params.get("user", ""),
            params.get("sv", ""),
            params.get("exp", ""),
            filter_query(gallery_filter),
            params.get("sig", ""),
        )
        if grant is None:
            raise NotFoundError(GONE)
        row = granted_user(self.db, grant)
        return self.export(user_view(row), gallery_filter, fmt, grant.issued_at)

    def export(
        self, user: UserView, gallery_filter: GalleryFilter, fmt: str, issued_at: datetime | None = None
    ) -> ExportDownload:
        """Write the CSV (and for a ZIP the JSON and the list of originals) to temporary files in one
        consistent read, then hand back a stream of known size. `issued_at` (a link's issue time; else now)
        dates the export's own files, so the same link, opened again, gives the same bytes."""
        if fmt not in EXPORT_FORMATS:
            raise ValueError(f"An export is one of {EXPORT_FORMATS}")
        issued_at = issued_at or self.clock()
        prepared = _Prepared(spooled(), spooled() if fmt == "zip" else None, ImageList())
        try:
            with self.db.reader() as uow:
                self._write(uow, user, gallery_filter, issued_at, prepared)
            name = f"atelier-history-{issued_at:%Y-%m-%d}.{fmt}"
            if fmt == "csv":
                prepared.images.file.close()
                size = file_size(prepared.csv)
                return ExportDownload(
                    name, "text/csv; charset=utf-8", size, issued_at, read_chunks(prepared.csv), [prepared.csv]
                )
            return self._zip(name, gallery_filter, issued_at, prepared)
        except BaseException:
            close_all((prepared.csv, prepared.json, prepared.images.file))
            raise

    def _write(
        self, uow: UnitOfWork, user: UserView, gallery_filter: GalleryFilter, issued_at: datetime, out: _Prepared
    ) -> None:
        exports = uow.exports
        exports.hold_snapshot()
        expected = exports.totals(user.id, gallery_filter)[0]
        csv = CsvWriter(out.csv, CSV_COLUMNS)
        json_rows = _JsonWriter(out.json, issued_at, gallery_filter, expected) if out.json is not None else None
        for row, image in self._rows(uow, exports, user.id, gallery_filter):
            csv.writerow(row.csv_cells())
            if json_rows is not None:
                json_rows.write_row(row)
            out.count += 1
            if row.missing:
                out.missing += 1
            else:
                out.images.add(row.file, image.blob_key, row.size_bytes, image.created_at)
        if json_rows is not None:
            json_rows.finish()
        if out.count != expected:  # the snapshot makes this impossible; a wrong count is a wrong export
            raise AtelierError("Your history changed while it was being read. Open the link again.")

    def _zip(self, name: str, gallery_filter: GalleryFilter, issued_at: datetime, out: _Prepared) -> ExportDownload:
        assert out.json is not None
        about = readme(issued_at, gallery_filter, out.count, out.missing)
        files = [("history.csv", out.csv), ("history.json", out.json)]
        return zip_download(name, issued_at, self.blobs, [("README.txt", about)], files, out.images)

    def _rows(
        self, uow: UnitOfWork, exports: ExportRepository, user_id: int, gallery_filter: GalleryFilter
    ) -> Iterator[tuple[ExportRow, Image]]:
        """Every matching image, oldest first, read by keyset in batches, with its job, inputs and collections.
        Each original's size is asked of the blob store here, inside the read: that is how a missing one is
        found before the ZIP's size is fixed. The transaction only reads (a snapshot), so it holds no lock."""
        query = GalleryQuery(filter=gallery_filter, sort=SortOrder.OLDEST)
        while batch := uow.images.find(user_id, query, limit=BATCH):
            jobs = exports.generations(user_id, {i.generation_id for i in batch if i.generation_id})
            inputs = uow.generations.input_ids(sorted(jobs))
            shares = image_shares(uow.images.for_generations(sorted(jobs)), jobs)
            names = uow.collections.names_for_images(user_id, [i.id for i in batch if i.id is not None])
            for image in batch:
                assert image.id is not None
                job = jobs.get(image.generation_id or "")
                yield self._row(image, job, inputs, shares, names.get(image.id, [])), image
            if len(batch) < BATCH:
                return
            query = replace(query, cursor=batch[-1].id)

    def _row(
        self,
        image: Image,
        job: Generation | None,
        inputs: Mapping[str, tuple[int, ...]],
        shares: Mapping[int, int],
        collections: Sequence[str],
    ) -> ExportRow:
        assert image.id is not None
        file, size = stored_original(self.blobs, image, job.prompt if job else None)
        return ExportRow(
            image_id=image.id,
            file=file,
            created_at=image.created_at,
            source=image.source,
            kind=job.kind if job else UPLOAD_KIND,
            model=job.model if job else None,
            prompt=job.prompt if job else None,
            parameters=dict(job.options or {}) if job else {},
            aspect_ratio=(job.aspect_ratio if job and job.aspect_ratio else image.aspect),
            seed=image.seed if image.seed is not None else (job.seed if job else None),
            width=image.width,
            height=image.height,
            format=image.content_type.rsplit("/", 1)[-1],
            size_bytes=size,
            cost_credits=shares.get(image.id, 0),
            job_cost_credits=job.charged if job else None,
            status=job.status if job else None,
            collections=tuple(collections),
            favourite=image.favourite,
            provider_request_id=job.provider_request_id if job else None,
            input_image_ids=inputs.get(job.id, ()) if job else (),
            generation_id=image.generation_id,
        )


class _JsonWriter(JsonStream):
    """history.json written as it is read: the header, then one image object per line, never one big list."""

    def __init__(self, out: TempFile, issued_at: datetime, gallery_filter: GalleryFilter, count: int) -> None:
        header = {
            "schema": SCHEMA,
            "exported_at": iso_utc(issued_at),
            "filter": filter_object(gallery_filter),
            "image_count": count,
        }
        super().__init__(out, header)
        self.begin("images")

    def write_row(self, row: ExportRow) -> None:
        self.write(row.json_object())

    def finish(self) -> None:
        self.end()
        self.close()


def canonical(gallery_filter: GalleryFilter) -> GalleryFilter:
    """The filter as a link will carry it: what `from_params` reads back from its own parameters, taken until
    it no longer changes (cutting a long search to its length can leave a space for the next trip to trim)."""
    for _ in range(4):
        again = from_params(to_params(GalleryQuery(filter=gallery_filter))).filter
        if again == gallery_filter:
            break
        gallery_filter = again
    return gallery_filter


def filter_query(gallery_filter: GalleryFilter) -> str:
    """The filter's parameters in one canonical, encoded order: what a link carries and its signature covers."""
    return urlencode(sorted(to_params(GalleryQuery(filter=gallery_filter)).items()))


def granted_user(db: Database, grant: ExportGrant) -> User:
    """The account a valid export link names, if the link is still good for it: one from before "sign out
    everywhere" (an older session version) or for a deleted account is as unknown as a forged one."""
    with db.reader() as uow:
        row = uow.users.get(grant.user_id)
    if row is None or row.session_version != grant.session_version:
        raise NotFoundError(GONE)
    return row


def stored_original(blobs: BlobStore, image: Image, prompt: str | None) -> tuple[str, int]:
    """The original's name in an export's images/ (named by its day and `prompt`, its job's; None for an upload)
    and its size, asked of the blob store (so a missing one is found before the ZIP's size is fixed); ("", the
    recorded size) when it has gone missing."""
    assert image.id is not None
    try:
        size = blobs.size(image.blob_key)
        return image_file(image.id, image.created_at, prompt, image.blob_key.rsplit(".", 1)[-1]), size
    except BlobNotFoundError:
        return "", image.size_bytes


def image_shares(images: Sequence[Image], jobs: Mapping[str, Generation]) -> dict[int, int]:
    """Each image's share of its job's charge, among the job's images that still exist (see cost_shares)."""
    by_job: dict[str, list[int]] = {}
    for image in images:  # in each job's batch order
        job_id = image.generation_id
        if job_id is not None and job_id in jobs and image.id is not None:
            by_job.setdefault(job_id, []).append(image.id)
    shares: dict[int, int] = {}
    for job_id, ids in by_job.items():
        shares.update(zip(ids, cost_shares(jobs[job_id].charged, len(ids))))
    return shares
