"""Put cleaned images and their thumbnails in the blob store and describe them as table rows."""

from __future__ import annotations

import uuid

from core.domain.gallery import nearest_aspect
from core.images import CleanImage
from core.ports import BlobStore
from db.tables import Image


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
