"""MediaService: hands out an image's bytes to whoever holds a valid signed URL for it, streamed from the blob store,
or (MEDIA_REDIRECT) as a short-lived address of the store's own for the browser to fetch them from."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from core.errors import BlobNotFoundError, NotFoundError
from core.ports import BlobStore, PresigningBlobStore
from core.signing import MediaSigner
from db.uow import Database


@dataclass(frozen=True)
class MediaFile:
    """An image's file, opened: its bytes come in chunks as the response is sent."""

    content_type: str
    filename: str
    max_age: int  # seconds the link has left: how long a browser may keep it
    size: int
    chunks: Iterator[bytes]


@dataclass(frozen=True)
class MediaRedirect:
    """Where the browser fetches the file itself, and how long it may keep that answer."""

    url: str
    max_age: int


GONE = "No such image, or the link has expired."


class MediaService:
    def __init__(
        self, db: Database, blobs: BlobStore, signer: MediaSigner, redirect: PresigningBlobStore | None = None,
        redirect_seconds: int = 60,
    ) -> None:  # fmt: skip
        self.db, self.blobs, self.signer = db, blobs, signer
        self.redirect, self.redirect_seconds = redirect, redirect_seconds

    def open(
        self, public_id: str, variant: str, expires: str, signature: str, *, download: bool = False
    ) -> MediaFile | MediaRedirect:
        """The signature is checked before the database is touched; any mismatch, and a file that is gone, is
        NotFoundError (a redirect does not look: the store answers for a file gone since)."""
        if not self.signer.verify(public_id, variant, expires, signature):
            raise NotFoundError(GONE)
        with self.db.reader() as uow:
            image = uow.images.by_public_id(public_id)
        if image is None:
            raise NotFoundError(GONE)
        if variant == "original" or not image.thumbhash:
            # A new image whose preview and thumbnail the worker is still making (its placeholder is recorded with
            # them) is shown from its original meanwhile.
            key, content_type = image.blob_key, image.content_type
        else:  # images stored before previews existed answer with their thumbnail
            key = (image.preview_key or image.thumb_key) if variant == "preview" else image.thumb_key
            content_type = "image/webp"
        filename = f"atelier-{image.id}.{key.rsplit('.', 1)[-1]}"
        max_age = self.signer.seconds_left(expires)
        if self.redirect is not None:
            disposition = f'{"attachment" if download else "inline"}; filename="{filename}"'
            url = self.redirect.presigned_url(key, self.redirect_seconds, content_type, disposition)
            # A browser keeps the redirect no longer than our link, nor past half the address's own life.
            return MediaRedirect(url, min(max_age, self.redirect_seconds // 2))
        try:
            size = self.blobs.size(key)
            chunks = self.blobs.open(key)
        except BlobNotFoundError:
            raise NotFoundError(GONE) from None
        return MediaFile(content_type, filename, max_age, size, chunks)
