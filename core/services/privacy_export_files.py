"""The files of the privacy centre's export of everything, written inside one snapshot read: generations.json
and .csv and the other CSVs to temporary files row by row, and the list of originals for images/
(profile.json is privacy_export_profile.py's). Every read names the user: nothing of another user can reach
a file."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from core.csv_safe import CsvWriter
from core.domain import GenerationKind
from core.domain.export import iso_utc
from core.domain.privacy_export import (
    GENERATION_COLUMNS,
    SCHEMA,
    TABLE_FILES,
    ExportedImage,
    ExportedJob,
    WithheldImage,
    optional_utc,
    upload_row,
)
from core.domain.shares import share_path
from core.errors import AtelierError, BlobNotFoundError
from core.ports import BlobStore
from core.services.export_archive import ImageList, JsonStream, TempFile, spooled
from core.services.history_export import image_shares, stored_original
from core.services.job_masks import MASKS, mask_key
from core.services.lab_export import LAB_WRITERS
from db.repositories.privacy_export import PrivacyExportRepository
from db.tables import (
    ConsentRecord,
    Generation,
    Image,
    LedgerEntry,
    Order,
    OutboxMessage,
    PolicyAcknowledgement,
    PrivacyRequest,
    Share,
    SignIn,
)
from db.uow import UnitOfWork

BATCH = 500  # rows read per keyset query: never a whole history at once


@dataclass
class Written:
    """What generations.json ended up holding, for README.txt and the consistency check."""

    generations: int = 0
    uploads: int = 0
    images: int = 0
    missing: int = 0  # originals gone from storage: listed, marked, not in images/


def write_generations(
    uow: UnitOfWork,
    blobs: BlobStore,
    user_id: int,
    issued_at: datetime,
    out: tuple[TempFile, TempFile],
    images: ImageList,
) -> Written:
    """generations.json and generations.csv (`out`), and the originals to put in images/."""
    repo = uow.of(PrivacyExportRepository)
    job_count, upload_count, _ = repo.counts(user_id)
    csv_out, json_out = out
    table = CsvWriter(csv_out, GENERATION_COLUMNS)
    header = {
        "schema": SCHEMA,
        "document": "generations",
        "exported_at": iso_utc(issued_at),
        "generation_count": job_count,
        "upload_count": upload_count,
    }
    document = JsonStream(json_out, header)
    written = Written()
    keep = _Originals(blobs, images, written)
    document.begin("generations")
    for job in _jobs(uow, repo, user_id, keep):
        document.write(job.json_object())
        for row in job.csv_rows():
            table.writerow(row)
        written.generations += 1
    document.end()
    document.begin("uploads")
    for image in _uploads(uow, repo, user_id, keep):
        document.write(image.json_object())
        table.writerow(upload_row(image))
        written.uploads += 1
    document.end()
    document.close()
    if (written.generations, written.uploads) != (job_count, upload_count):  # the snapshot makes this impossible
        raise AtelierError("Your data changed while it was being read. Open the link again.")
    return written


def write_tables(uow: UnitOfWork, user_id: int, files: list[tuple[str, TempFile]]) -> None:
    """Every CSV of TABLE_FILES (credits, orders, consents, policy acknowledgements, sign-ins, privacy requests,
    emails, shares), appended to `files` as each is begun (so a failure halfway still lets the caller close them all)."""
    repo = uow.of(PrivacyExportRepository)
    balance = 0

    def credit(entry: LedgerEntry) -> list[object]:
        nonlocal balance
        balance += entry.delta
        return [iso_utc(entry.created_at), entry.kind, entry.delta, entry.reason, entry.reference, balance]

    writers: Mapping[str, tuple[type[Any], Callable[[Any], list[object]]]] = {
        "credits.csv": (LedgerEntry, credit),
        "orders.csv": (Order, _order),
        "consents.csv": (ConsentRecord, _consent),
        "policy_acknowledgements.csv": (PolicyAcknowledgement, _acknowledgement),
        "sign_ins.csv": (SignIn, _sign_in),
        "privacy_requests.csv": (PrivacyRequest, _request),
        "emails.csv": (OutboxMessage, _email),
        "shares.csv": (Share, _share),
        **LAB_WRITERS,
    }
    for name, header in TABLE_FILES.items():
        handle = spooled()
        files.append((name, handle))
        table, cells = writers[name]
        out = CsvWriter(handle, header)
        after: int | None = None
        while batch := repo.rows(table, user_id, after, BATCH):
            for row in batch:
                out.writerow(cells(row))
            if len(batch) < BATCH:
                break
            after = batch[-1].id


class _Originals:
    """Each image's entry, its original listed for images/ when storage still has it."""

    def __init__(self, blobs: BlobStore, images: ImageList, written: Written) -> None:
        self.blobs, self.images, self.written = blobs, images, written

    def mask(self, job: Generation) -> str:
        """A fill's mask, listed for masks/ when storage still has it (core/services/job_masks.py); "" otherwise."""
        if job.kind != GenerationKind.FILL.value:
            return ""
        key = mask_key(job.user_id, job.id)
        try:
            size = self.blobs.size(key)
        except BlobNotFoundError:
            return ""
        file = f"{MASKS}/{job.id}.png"
        self.images.add(file, key, size, job.created_at)
        return file

    def image(self, image: Image, prompt: str | None, share: int, collections: Sequence[str]) -> ExportedImage:
        assert image.id is not None
        file, size = stored_original(self.blobs, image, prompt)
        if file:
            self.images.add(file, image.blob_key, size, image.created_at)
            self.written.images += 1
        else:
            self.written.missing += 1
        return ExportedImage(
            image_id=image.id,
            public_id=image.public_id,
            file=file,
            created_at=image.created_at,
            seed=image.seed,
            width=image.width,
            height=image.height,
            format=image.content_type.rsplit("/", 1)[-1],
            size_bytes=size,
            cost_credits=share,
            favourite=image.favourite,
            collections=tuple(collections),
        )


def _jobs(uow: UnitOfWork, repo: PrivacyExportRepository, user_id: int, keep: _Originals) -> Iterator[ExportedJob]:
    after: tuple[datetime, str] | None = None
    while batch := repo.jobs(user_id, after, BATCH):
        ids = [job.id for job in batch]
        made = repo.job_images(user_id, ids)
        shares = image_shares(made, {job.id: job for job in batch})
        inputs = uow.generations.input_ids(ids)
        names = uow.collections.names_for_images(user_id, [i.id for i in made if i.id is not None])
        withheld = repo.withheld(user_id, ids)
        by_job: dict[str, list[Image]] = {}
        for image in made:
            by_job.setdefault(image.generation_id or "", []).append(image)
        for job in batch:
            outputs = tuple(
                keep.image(image, job.prompt, shares.get(image.id or 0, 0), names.get(image.id or 0, []))
                for image in by_job.get(job.id, [])
            )
            held = tuple(
                WithheldImage(r.position, r.status, r.requested_at, r.decided_at) for r in withheld.get(job.id, [])
            )
            yield replace(_job(job, inputs.get(job.id, ()), outputs, held), mask_file=keep.mask(job))
        if len(batch) < BATCH:
            return
        after = (batch[-1].created_at, batch[-1].id)


def _job(
    job: Generation, inputs: tuple[int, ...], outputs: tuple[ExportedImage, ...], held: tuple[WithheldImage, ...]
) -> ExportedJob:
    return ExportedJob(
        id=job.id,
        created_at=job.created_at,
        finished_at=job.finished_at,
        kind=job.kind,
        status=job.status,
        model=job.model,
        prompt=job.prompt,
        parameters=dict(job.options or {}),
        aspect_ratio=job.aspect_ratio,
        seed=job.seed,
        num_images=job.num_images,
        output_format=job.output_format,
        cost=job.cost,
        charged=job.charged,
        blocked=job.blocked,
        provider_request_id=job.provider_request_id,
        timings=job.timings,
        input_image_ids=inputs,
        images=outputs,
        withheld=held,
    )


def _uploads(uow: UnitOfWork, repo: PrivacyExportRepository, user_id: int, keep: _Originals) -> Iterator[ExportedImage]:
    after: int | None = None
    while batch := repo.uploads(user_id, after, BATCH):
        names = uow.collections.names_for_images(user_id, [i.id for i in batch if i.id is not None])
        for image in batch:
            yield keep.image(image, None, 0, names.get(image.id or 0, []))
        if len(batch) < BATCH:
            return
        after = batch[-1].id


def _order(o: Order) -> list[object]:
    return [
        o.public_id,
        o.offer_name,
        o.kind,
        o.credits,
        o.amount,
        o.currency,
        o.provider,
        o.status,
        iso_utc(o.created_at),
        optional_utc(o.paid_at),
        o.amount_refunded,
        o.dispute_status,
    ]


def _consent(c: ConsentRecord) -> list[object]:
    return [c.purpose, "true" if c.granted else "false", c.policy_version, c.source, iso_utc(c.created_at)]


def _acknowledgement(a: PolicyAcknowledgement) -> list[object]:
    return [a.document, a.version, iso_utc(a.acknowledged_at)]


def _sign_in(s: SignIn) -> list[object]:
    return [iso_utc(s.issued_at), s.browser, s.os, s.ip_prefix, optional_utc(s.ended_at)]


def _request(r: PrivacyRequest) -> list[object]:
    return [
        r.reference,
        r.kind,
        r.status,
        r.channel,
        r.detail,
        r.answer,
        iso_utc(r.received_at),
        optional_utc(r.due_at),
        optional_utc(r.completed_at),
    ]


def _email(m: OutboxMessage) -> list[object]:
    return [iso_utc(m.created_at), m.kind, m.purpose, m.subject, m.status, optional_utc(m.sent_at)]


def _share(s: Share) -> list[object]:
    return [s.image_id, share_path(s.token), "true" if s.with_prompt else "false", s.size, iso_utc(s.created_at),
            optional_utc(s.revoked_at)]  # fmt: skip
