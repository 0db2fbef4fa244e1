"""Put cleaned images and their thumbnails in the blob store and describe them as table rows."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence

from core.clock import Clock
from core.domain.gallery import nearest_aspect
from core.errors import AtelierError, BlobNotFoundError
from core.images import CleanImage, derivatives
from core.ports import BlobStore
from core.services.deletion_outbox import DeletionKind, owe_many
from db.tables import Image
from db.uow import Database

log = logging.getLogger(__name__)


def store_image(
    blobs: BlobStore,
    user_id: int,
    clean: CleanImage,
    *,
    source: str,
    generation_id: str | None = None,
    position: int = 0,
    seed: int | None = None,
) -> Image:
    """Write the blobs first; the caller adds the returned row in its transaction (or deletes the blobs)."""
    public_id = uuid.uuid4().hex
    stem = f"u{user_id}/{public_id}"
    blob_key, thumb_key, preview_key = f"{stem}.{clean.extension}", f"{stem}.thumb.webp", f"{stem}.preview.webp"
    blobs.put(blob_key, clean.data, clean.content_type)
    if clean.thumbnail:  # a job's outputs get theirs from the worker once shown (`make_derivatives`)
        blobs.put(thumb_key, clean.thumbnail, "image/webp")
        blobs.put(preview_key, clean.preview, "image/webp")
    return Image(
        public_id=public_id,
        user_id=user_id,
        generation_id=generation_id,
        position=position,
        source=source,
        blob_key=blob_key,
        thumb_key=thumb_key,
        preview_key=preview_key,
        seed=seed,
        content_type=clean.content_type,
        width=clean.width,
        height=clean.height,
        size_bytes=len(clean.data),
        aspect=nearest_aspect(clean.width, clean.height),
        thumbhash=clean.thumbhash,
    )


def delete_blobs(blobs: BlobStore, images: list[Image]) -> None:
    for image in images:
        blobs.delete(image.blob_key)
        blobs.delete(image.thumb_key)
        if image.preview_key:
            blobs.delete(image.preview_key)


def image_keys(images: Sequence[Image]) -> list[str]:
    return [key for image in images for key in (image.blob_key, image.thumb_key, image.preview_key) if key]


def forget_blobs(db: Database, clock: Clock, images: Sequence[Image], withheld: Sequence[str] = ()) -> None:
    """Files written for rows that were never committed (a lost race, a failed submit): owed to the deletion
    outbox in one transaction, so the worker deletes them and retries until done, instead of a best effort here."""
    keys, kept = image_keys(images), list(withheld)  # withheld: keys in the withheld store
    if not keys and not kept:
        return
    with db.uow() as uow:
        owe_many(uow, DeletionKind.BLOB, keys, clock())
        owe_many(uow, DeletionKind.WITHHELD, kept, clock())
        uow.commit()


def make_derivatives(blobs: BlobStore, image: Image, max_pixels: int) -> str:
    """Store the image's preview and thumbnail, made from its stored original; its ThumbHash, for the caller to
    record. Until they exist the media route answers for them with the original."""
    preview, thumbnail, thumbhash = derivatives(blobs.get(image.blob_key), max_pixels=max_pixels)
    blobs.put(image.thumb_key, thumbnail, "image/webp")
    if image.preview_key:
        blobs.put(image.preview_key, preview, "image/webp")
    return thumbhash


def derive_all(db: Database, blobs: BlobStore, images: Sequence[Image], max_pixels: int) -> int:
    """Make the missing previews and thumbnails of these stored images and record their placeholders in one short
    write; how many were made. One that cannot be made keeps standing in with its original (and is tried again by
    the gallery's periodic task)."""
    hashes: dict[int, str] = {}
    for image in images:
        if image.id is None:  # not stored: nothing to record it on
            continue
        try:
            hashes[image.id] = make_derivatives(blobs, image, max_pixels)
        except (AtelierError, BlobNotFoundError, OSError) as exc:
            log.warning("Image %s: its preview was not made (%s)", image.id, type(exc).__name__)
    if hashes:
        with db.uow() as uow:
            uow.images.set_placeholders(hashes)
            uow.commit()
    return len(hashes)
