"""GalleryService: a user's own images, newest first, with their details, and deletion."""

from __future__ import annotations

from dataclasses import dataclass

from core.domain import GenerationView, ImageView, Page, UserView, keyset_page
from core.errors import NotFoundError
from core.ports import BlobStore
from core.services.image_store import delete_blobs
from core.services.views import generation_view, image_view
from core.signing import MediaSigner
from db.uow import Database


@dataclass(frozen=True)
class ImageDetail:
    image: ImageView
    generation: GenerationView | None  # None for uploads
    parent: ImageView | None  # the image an edit started from, if it still exists
    parent_deleted: bool


class GalleryService:
    def __init__(self, db: Database, blobs: BlobStore, signer: MediaSigner, page_size: int) -> None:
        self.db, self.blobs, self.signer = db, blobs, signer
        self.page_size = page_size

    def page(self, user: UserView, before_id: int | None = None) -> Page[ImageView]:
        with self.db.reader() as uow:
            rows = list(uow.images.page(user.id, before_id, self.page_size + 1))
            total = uow.images.count(user.id)
        return keyset_page([image_view(r, self.signer) for r in rows], self.page_size, total)

    def detail(self, user: UserView, image_id: int) -> ImageDetail:
        with self.db.reader() as uow:
            image = uow.images.get_for_user(user.id, image_id)
            if image is None:
                raise NotFoundError("That image is not in your gallery.")
            generation = uow.generations.get_for_user(user.id, image.generation_id) if image.generation_id else None
            parent_id = generation.parent_image_id if generation else None
            parent = uow.images.get_for_user(user.id, parent_id) if parent_id else None
            return ImageDetail(
                image=image_view(image, self.signer),
                generation=generation_view(generation) if generation else None,
                parent=image_view(parent, self.signer) if parent else None,
                parent_deleted=parent_id is not None and parent is None,
            )

    def delete(self, user: UserView, image_id: int) -> None:
        """Remove the image and its files. The generation record stays, so the history is intact."""
        with self.db.uow() as uow:
            image = uow.images.get_for_user(user.id, image_id)
            if image is None:
                raise NotFoundError("That image is not in your gallery.")
            uow.images.delete(image)
            uow.commit()
        delete_blobs(self.blobs, [image])  # after the commit: a failed commit keeps the files
