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
    max_age: int  # seconds the link has left: how long a browser may keep it


GONE = "No such image, or the link has expired."


class MediaService:
    def __init__(self, db: Database, blobs: BlobStore, signer: MediaSigner) -> None:
        self.db, self.blobs, self.signer = db, blobs, signer

    def open(self, public_id: str, variant: str, expires: str, signature: str) -> MediaFile:
        """The signature is checked before the database is touched; any mismatch is NotFoundError."""
        if not self.signer.verify(public_id, variant, expires, signature):
            raise NotFoundError(GONE)
        with self.db.reader() as uow:
            image = uow.images.by_public_id(public_id)
        if image is None:
            raise NotFoundError(GONE)
        if variant == "original":
            key, content_type = image.blob_key, image.content_type
        else:  # images stored before previews existed answer with their thumbnail
            key = (image.preview_key or image.thumb_key) if variant == "preview" else image.thumb_key
            content_type = "image/webp"
        try:
            data = self.blobs.get(key)
        except BlobNotFoundError:
            raise NotFoundError(GONE) from None
        extension = key.rsplit(".", 1)[-1]
        return MediaFile(
            data=data,
            content_type=content_type,
            filename=f"atelier-{image.id}.{extension}",
            max_age=self.signer.seconds_left(expires),
        )
