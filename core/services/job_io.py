"""What the job runner sends to the engine and keeps of what comes back, rebuilt from the database alone."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from core.domain import EngineOutput, EngineRequest, GenerationKind
from core.errors import EngineError
from core.images import clean_engine_output
from core.ports import BlobStore
from core.services.image_store import delete_blobs, store_image
from core.services.validation import nearest_aspect_ratio
from core.text import plural
from db.tables import Generation, Image
from db.uow import Database

log = logging.getLogger(__name__)


@dataclass
class Delivery:
    """The images of a finished job that we keep, and what the engine withheld."""

    images: list[Image] = field(default_factory=list)
    blocked: int = 0  # flagged by the engine's safety filter: not stored, not charged
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
    """Rebuild the engine request from the job's rows, so the loop can send it after a restart."""
    with db.reader() as uow:
        ids = uow.generations.input_ids([row.id])[row.id]
        sources = [uow.images.get_for_user(row.user_id, image_id) for image_id in ids]
    if any(source is None for source in sources):
        what = "The image to edit is" if row.kind == GenerationKind.EDIT.value else "An image this job started from is"
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
    )


def store_outputs(blobs: BlobStore, row: Generation, outputs: list[EngineOutput], max_pixels: int) -> Delivery:
    """Check, clean (no metadata) and store each delivered image with its thumbnails; skip what is withheld
    or broken. Nothing half-stored outlives a failure."""
    delivery = Delivery()
    try:
        for position, output in enumerate(outputs[: row.num_images]):
            if delivery.timings is None and output.timings:
                delivery.timings = dict(output.timings)
            if output.blocked:
                delivery.blocked += 1
                continue
            try:
                clean = clean_engine_output(output.data, max_pixels=max_pixels)
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
        raise
    return delivery


def _withheld(blocked: int, asked: int) -> str:
    if asked == 1:
        return "the image"
    return f"all {asked} images" if blocked == asked else f"{plural(blocked, 'image')} of {asked}"
