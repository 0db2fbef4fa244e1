"""MediaService: hands out an image's bytes to whoever holds a valid signed URL for it."""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import BlobNotFoundError, NotFoundError
from core.ports import BlobStore
from core.signing import MediaSigner
from db.uow import Database


@dataclass(frozen=True)
class MediaFile:
    data: bytes
    content_type: str
    filename: str


class MediaService:
    def __init__(self, db: Database, blobs: BlobStore, signer: MediaSigner) -> None:
        self.db, self.blobs, self.signer = db, blobs, signer

    def open(self, image_id: int, variant: str, expires: int, signature: str) -> MediaFile:
        """The owner comes from the database, never from the URL; any mismatch is NotFoundError."""
        with self.db.reader() as uow:
            image = uow.images.get(image_id)
        if image is None or not self.signer.verify(image_id, image.user_id, variant, expires, signature):
            raise NotFoundError("No such image, or the link has expired.")
        key, content_type = (
            (image.thumb_key, "image/webp") if variant == "thumb" else (image.blob_key, image.content_type)
        )
        try:
            data = self.blobs.get(key)
        except BlobNotFoundError:
            raise NotFoundError("No such image, or the link has expired.") from None
        extension = key.rsplit(".", 1)[-1]
        return MediaFile(data=data, content_type=content_type, filename=f"atelier-{image_id}.{extension}")
