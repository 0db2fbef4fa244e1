"""GalleryService: a user's own images, newest first, with their details, their neighbours, the jobs still
making images, and deletion."""

from __future__ import annotations

from dataclasses import dataclass

from core.domain import GenerationView, ImageView, Page, UserView, keyset_page
from core.errors import NotFoundError
from core.ports import BlobStore
from core.services.image_store import delete_blobs
from core.services.views import generation_view, image_view
from core.signing import MediaSigner
from db.uow import Database, UnitOfWork


@dataclass(frozen=True)
class ImageDetail:
    image: ImageView
    generation: GenerationView | None  # None for uploads
    parent: ImageView | None  # the image an edit started from, if it still exists
    parent_deleted: bool


@dataclass(frozen=True)
class OpenedImage:
    """What the lightbox shows: the image's detail and the ids of its newer and older neighbours."""

    detail: ImageDetail
    newer: int | None
    older: int | None


@dataclass(frozen=True)
class GalleryGrid:
    """One page of the gallery grid, with what its tiles and its pager need."""

    images: Page[ImageView]  # each with its job's prompt, for alt text
    batch_sizes: dict[str, int]  # generation id → how many images its job asked for ("image 2 of 4")
    page_number: int  # 1 for the newest page
    newer_cursor: int | None  # the `before` of the newer page; None when that page is the first

    def batch_size(self, image: ImageView) -> int:
        return self.batch_sizes.get(image.generation_id or "", 1)


class GalleryService:
    def __init__(self, db: Database, blobs: BlobStore, signer: MediaSigner, page_size: int) -> None:
        self.db, self.blobs, self.signer = db, blobs, signer
        self.page_size = page_size

    def page(self, user: UserView, before_id: int | None = None) -> Page[ImageView]:
        """A page of images, newest first, each with its job's prompt."""
        with self.db.reader() as uow:
            return self._page(uow, user, before_id)[0]

    def grid(self, user: UserView, before_id: int | None = None) -> GalleryGrid:
        """A page of images with their batch sizes, and where the newer page starts (for a URL-based pager)."""
        with self.db.reader() as uow:
            page, sizes = self._page(uow, user, before_id)
            if before_id is None:
                return GalleryGrid(page, sizes, 1, None)
            # The newer page ends with the image named by the cursor; it starts page_size images above it.
            above = list(uow.images.ids_from(user.id, before_id, self.page_size + 1))
            newer_cursor = above[self.page_size] if len(above) > self.page_size else None
            newer_count = uow.images.count(user.id, from_id=before_id)
        return GalleryGrid(page, sizes, -(-newer_count // self.page_size) + 1, newer_cursor)

    def neighbours(self, user: UserView, image_id: int) -> tuple[int | None, int | None]:
        """The ids of the newer and the older image next to this one, in the gallery's newest-first order."""
        with self.db.reader() as uow:
            if uow.images.get_for_user(user.id, image_id) is None:
                raise NotFoundError("That image is not in your gallery.")
            return uow.images.neighbours(user.id, image_id)

    def in_flight(self, user: UserView) -> list[GenerationView]:
        """The user's jobs still queued or running, newest first: the gallery shows their images' places."""
        with self.db.reader() as uow:
            return [generation_view(row) for row in uow.generations.in_flight_for_user(user.id)]

    def _page(self, uow: UnitOfWork, user: UserView, before_id: int | None) -> tuple[Page[ImageView], dict[str, int]]:
        rows = list(uow.images.page(user.id, before_id, self.page_size + 1))
        total = uow.images.count(user.id)
        facts = uow.generations.prompts_and_counts(user.id, {r.generation_id for r in rows if r.generation_id})
        views = [
            image_view(r, self.signer, prompt=facts[r.generation_id][0] if r.generation_id in facts else "")
            for r in rows
        ]
        return keyset_page(views, self.page_size, total), {gid: count for gid, (_, count) in facts.items()}

    def detail(self, user: UserView, image_id: int) -> ImageDetail:
        with self.db.reader() as uow:
            return self._detail(uow, user, image_id)

    def open(self, user: UserView, image_id: int) -> OpenedImage:
        """The image for the lightbox, with its neighbours, in one read."""
        with self.db.reader() as uow:
            detail = self._detail(uow, user, image_id)
            newer, older = uow.images.neighbours(user.id, image_id)
        return OpenedImage(detail, newer, older)

    def _detail(self, uow: UnitOfWork, user: UserView, image_id: int) -> ImageDetail:
        image = uow.images.get_for_user(user.id, image_id)
        if image is None:
            raise NotFoundError("That image is not in your gallery.")
        generation = uow.generations.get_for_user(user.id, image.generation_id) if image.generation_id else None
        parent_id = generation.parent_image_id if generation else None
        parent = uow.images.get_for_user(user.id, parent_id) if parent_id else None
        parent_job = parent.generation_id if parent else None
        made_parent = uow.generations.get_for_user(user.id, parent_job) if parent_job else None
        return ImageDetail(
            image=image_view(image, self.signer, prompt=generation.prompt if generation else ""),
            generation=generation_view(generation) if generation else None,
            parent=image_view(parent, self.signer, made_parent.prompt if made_parent else "") if parent else None,
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
