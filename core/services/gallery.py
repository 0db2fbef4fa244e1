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
from db.tables import Image
from db.uow import Database, UnitOfWork

CHAIN_LIMIT = 12  # children shown under an image (a long history is walked one step at a time)


@dataclass(frozen=True)
class ImageChain:
    """An image's edit history one step each way: what it was made from, and what was made from it."""

    parents: list[ImageView]  # the images its job started from that still exist, in order
    missing_parents: int  # those since deleted
    children: list[ImageView]  # images made from it (edits, combinations), oldest first


@dataclass(frozen=True)
class ImageDetail:
    image: ImageView
    generation: GenerationView | None  # None for uploads
    chain: ImageChain

    @property
    def parent(self) -> ImageView | None:
        """The image an edit started from, if it still exists."""
        return self.chain.parents[0] if self.chain.parents else None

    @property
    def parent_deleted(self) -> bool:
        return self.chain.missing_parents > 0


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

    def chain(self, user: UserView, image_id: int) -> ImageChain:
        with self.db.reader() as uow:
            return self._detail(uow, user, image_id).chain

    def _detail(self, uow: UnitOfWork, user: UserView, image_id: int) -> ImageDetail:
        image = uow.images.get_for_user(user.id, image_id)
        if image is None:
            raise NotFoundError("That image is not in your gallery.")
        generation = uow.generations.get_for_user(user.id, image.generation_id) if image.generation_id else None
        input_ids = uow.generations.input_ids([generation.id])[generation.id] if generation else ()
        parents = [found for i in input_ids if (found := uow.images.get_for_user(user.id, i)) is not None]
        children = list(uow.generations.made_from(user.id, image_id, CHAIN_LIMIT))
        related = parents + children
        facts = uow.generations.prompts_and_counts(user.id, {r.generation_id for r in related if r.generation_id})

        def view(row: Image) -> ImageView:
            return image_view(row, self.signer, facts[row.generation_id][0] if row.generation_id in facts else "")

        return ImageDetail(
            image=image_view(image, self.signer, prompt=generation.prompt if generation else ""),
            generation=generation_view(generation, input_image_ids=input_ids) if generation else None,
            chain=ImageChain([view(p) for p in parents], len(input_ids) - len(parents), [view(c) for c in children]),
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
