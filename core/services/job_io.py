"""What the job runner sends to the engine and keeps of what comes back, rebuilt from the database alone."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from core.domain import EngineOutput, EngineRequest, GenerationKind
from core.domain.privacy import Purpose
from core.errors import EngineError
from core.images import clean_engine_output
from core.ports import BlobStore
from core.services import privacy_requests
from core.services.image_store import delete_blobs, store_image
from core.services.job_masks import read_mask
from core.services.safety_review_views import ReviewStatus
from core.services.validation import nearest_aspect_ratio
from core.text import plural
from db.repositories.consents import ConsentRepository
from db.repositories.safety_reviews import SafetyReviewRepository
from db.tables import Generation, Image, SafetyReview
from db.uow import Database, UnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Withheld:
    """An image the safety check withheld, cleaned and kept in the withheld store under `key`."""

    public_id: str
    key: str
    position: int
    content_type: str
    seed: int | None


@dataclass
class Delivery:
    """The images of a finished job that we keep, and what the engine withheld."""

    images: list[Image] = field(default_factory=list)
    blocked: int = 0  # flagged by the engine's safety filter: not in the gallery, not charged
    withheld: list[Withheld] = field(default_factory=list)  # the blocked ones we could keep for a person's review
    timings: Mapping[str, float] | None = None

    def notice(self, asked: int) -> str:
        """What the user is told about images that did not arrive ("" when all of them did)."""
        notices = []
        if self.blocked:
            notices.append(f"The safety filter withheld {_withheld(self.blocked, asked)}. Nothing withheld is charged.")
        lost = asked - len(self.images) - self.blocked
        if lost and self.images:
            notices.append(
                f"The engine delivered {len(self.images)} of {asked} images; you were charged only for those."
            )
        return " ".join(notices)


def request_for(db: Database, blobs: BlobStore, row: Generation) -> EngineRequest:
    """Rebuild the engine request from the job's rows, so a worker can send it after a restart. A job made from a
    prompt alone has no images to read."""
    sources: list[Image | None] = []
    if GenerationKind(row.kind).takes_images:
        with db.reader() as uow:
            ids = uow.generations.input_ids([row.id])[row.id]
            sources = [uow.images.get_for_user(row.user_id, image_id) for image_id in ids]
    if any(source is None for source in sources):
        what = {
            GenerationKind.EDIT.value: "The image to edit is",
            GenerationKind.UPSCALE.value: "The image to upscale is",
            GenerationKind.FILL.value: "The image to paint over is",
        }.get(row.kind, "An image this job started from is")
        raise EngineError(f"{what} no longer there.")
    found = [source for source in sources if source is not None]
    # Engines that take an aspect ratio for an edit get the source's own shape.
    ratio = nearest_aspect_ratio(found[0].width, found[0].height) if found else row.aspect_ratio
    return EngineRequest(
        kind=GenerationKind(row.kind),
        model=row.model,
        prompt=row.prompt,
        aspect_ratio=ratio,
        seed=row.seed,
        num_images=row.num_images,
        output_format=row.output_format,
        input_images=tuple(blobs.get(source.blob_key) for source in found),
        options=dict(row.options or {}),
        mask=read_mask(blobs, row.user_id, row.id) if row.kind == GenerationKind.FILL.value else None,
    )


def store_outputs(
    blobs: BlobStore,
    row: Generation,
    outputs: list[EngineOutput],
    max_pixels: int,
    withheld: BlobStore | None = None,
) -> Delivery:
    """Check, clean (no metadata) and store each delivered image with its thumbnails; keep what the safety
    check withheld in the `withheld` store, apart from the media; skip what is broken. Nothing half-stored
    outlives a failure."""
    delivery = Delivery()
    try:
        for position, output in enumerate(outputs[: row.num_images]):
            if delivery.timings is None and output.timings:
                delivery.timings = dict(output.timings)
            if output.blocked:
                delivery.blocked += 1
                if withheld is not None and output.data:
                    _withhold(withheld, row, position, output, max_pixels, delivery)
                continue
            try:
                clean = clean_engine_output(output.data, max_pixels=max_pixels, derive=False)
            except EngineError:
                log.warning("Generation %s: output %d was not a valid image", row.id, position)
                continue
            delivery.images.append(
                store_image(
                    blobs,
                    row.user_id,
                    clean,
                    source="generated",
                    generation_id=row.id,
                    position=position,
                    seed=output.seed,
                )
            )
    except BaseException:
        delete_blobs(blobs, delivery.images)
        if withheld is not None:
            drop_withheld(withheld, delivery)
        raise
    return delivery


def _withhold(
    store: BlobStore, row: Generation, position: int, output: EngineOutput, max_pixels: int, delivery: Delivery
) -> None:
    """Keep a withheld image for review. A failure here loses only that image: the job still completes."""
    try:
        clean = clean_engine_output(output.data, max_pixels=max_pixels, derive=False)  # kept as is until reviewed
        public_id = uuid.uuid4().hex
        key = f"u{row.user_id}/{public_id}.{clean.extension}"
        store.put(key, clean.data, clean.content_type)
    except Exception as exc:
        log.warning("Generation %s: withheld output %d was not kept (%s)", row.id, position, type(exc).__name__)
        return
    delivery.withheld.append(Withheld(public_id, key, position, clean.content_type, output.seed))


def drop_withheld(store: BlobStore, delivery: Delivery) -> None:
    """Remove what `store_outputs` kept of the withheld images, when the job's result was not recorded."""
    for item in delivery.withheld:
        try:
            store.delete(item.key)
        except Exception as exc:
            log.warning("A withheld image was not removed (%s)", type(exc).__name__)


def record_withheld(uow: UnitOfWork, row: Generation, delivery: Delivery, now: datetime) -> None:
    """A review row for each withheld image, in the transaction that records the job's result. A user who opted
    out of automated decisions has every block sent to a person at once, recorded as their request."""
    if not delivery.withheld:
        return
    human = uow.of(ConsentRepository).choices(row.user_id)[Purpose.HUMAN_REVIEW]
    for item in delivery.withheld:
        uow.of(SafetyReviewRepository).add(
            SafetyReview(
                public_id=item.public_id,
                user_id=row.user_id,
                generation_id=row.id,
                position=item.position,
                blob_key=item.key,
                content_type=item.content_type,
                seed=item.seed,
                status=ReviewStatus.PENDING if human else ReviewStatus.WITHHELD,
                requested_at=now if human else None,
                created_at=now,
            )
        )
        if human:
            privacy_requests.record(
                uow,
                row.user_id,
                privacy_requests.RequestKind.REVIEW,
                now,
                status=privacy_requests.RequestStatus.RECEIVED,
                artifact=item.public_id,
            )


def _withheld(blocked: int, asked: int) -> str:
    if asked == 1:
        return "the image"
    return f"all {asked} images" if blocked == asked else f"{plural(blocked, 'image')} of {asked}"
