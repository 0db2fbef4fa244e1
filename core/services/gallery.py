"""GalleryService: a user's own images, filtered, searched and paged by one query; their details and
neighbours; favourites; the jobs still making images; and deletion, one image or many."""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace

from PIL import Image as PILImage

from core.clock import Clock, utc_now
from core.domain import ASPECT_RATIOS, GenerationKind, GenerationView, ImageView, Page, UserView
from core.domain.gallery import GalleryFacets, GalleryFilter, GalleryQuery
from core.errors import BlobNotFoundError, NotFoundError
from core.image_previews import thumbhash_of
from core.images import DEFAULT_MAX_PIXELS
from core.ports import BlobStore
from core.services.collections import collection_views
from core.services.deletion_outbox import DeletionKind, owe, owe_many
from core.services.generation_views import generation_view, image_view
from core.services.image_store import delete_blobs, derive_all
from core.services.job_masks import mask_key
from core.signing import MediaSigner
from db.repositories.job_erasure import JobErasureRepository
from db.tables import Image
from db.uow import Database, UnitOfWork

CHAIN_LIMIT = 12  # children shown under an image (a long history is walked one step at a time)
FACETS_KEPT = 1_000  # users whose image facets a process keeps (a few KB each)
FIRST_PAGE = GalleryQuery()


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
    collection_ids: frozenset[int] = frozenset()  # the collections it is filed in

    @property
    def parent(self) -> ImageView | None:
        """The image an edit started from, if it still exists."""
        return self.chain.parents[0] if self.chain.parents else None

    @property
    def parent_deleted(self) -> bool:
        return self.chain.missing_parents > 0


@dataclass(frozen=True)
class OpenedImage:
    """What the lightbox shows: the image's detail and the ids of the images before and after it."""

    detail: ImageDetail
    newer: int | None
    older: int | None


@dataclass(frozen=True)
class GalleryGrid:
    """One page of the gallery grid, with what its tiles and its pager need."""

    images: Page[ImageView]  # each with its job's prompt, for alt text and search highlights
    batch_sizes: dict[str, int]  # generation id → how many images its job asked for ("image 2 of 4")
    page_number: int  # 1 for the first page
    previous_before: int | None  # the previous page is the one that ends before this id; None on the first page
    page_size: int

    def batch_size(self, image: ImageView) -> int:
        return self.batch_sizes.get(image.generation_id or "", 1)


class GalleryService:
    def __init__(
        self,
        db: Database,
        blobs: BlobStore,
        signer: MediaSigner,
        page_size: int,
        clock: Clock = utc_now,
        max_pixels: int = DEFAULT_MAX_PIXELS,
    ) -> None:
        self.db, self.blobs, self.signer, self.clock = db, blobs, signer, clock
        self.max_pixels = max_pixels
        self.page_size = page_size  # the default; a query may ask for another
        # user id → (ImageRepository.version, the facets of their images): reading those walks every image row
        # (100-200 ms at 10,000 images), every gallery run, for lists that change only with the images.
        self._facets: dict[int, tuple[tuple[int, int], tuple[list[str], list[str], list[str]]]] = {}
        self._facets_lock = threading.Lock()

    def size_of(self, query: GalleryQuery) -> int:
        return query.page_size or self.page_size

    def page(self, user: UserView, query: GalleryQuery = FIRST_PAGE) -> Page[ImageView]:
        """A page of the images that match the query, each with its job's prompt."""
        return self.grid(user, query).images

    def grid(self, user: UserView, query: GalleryQuery = FIRST_PAGE) -> GalleryGrid:
        """A page of images with their batch sizes and its number, and the cursors of the pages on either
        side: the page after it starts after its last image, the page before it ends before its first.
        Two reads whatever the filter and however deep the page: one keyset read, and one count that gives
        the total and the page's place together."""
        size = self.size_of(query)
        with self.db.reader() as uow:
            if query.backward and query.cursor is not None:
                rows = list(uow.images.find(user.id, query, limit=size + 1))
                if len(rows) > size:  # a page before the cursor, and more before it
                    total, ahead = uow.images.count_and_position(user.id, query)
                    shown = rows[:size][::-1]  # read nearest first; shown in the gallery's order
                    page, sizes = self._views(uow, user, shown, shown[-1].id if total > ahead else None, total)
                    number = -(-(ahead - size) // size) + 1
                    return GalleryGrid(page, sizes, number, shown[0].id, size)
                query = query.first_page()  # it reaches the start: that is the first page
            total, ahead = uow.images.count_and_position(user.id, query)
            rows = list(uow.images.find(user.id, query, limit=size + 1))
            page, sizes = self._views(uow, user, rows[:size], rows[size - 1].id if len(rows) > size else None, total)
        number = -(-ahead // size) + 1
        return GalleryGrid(page, sizes, number, rows[0].id if number > 1 and rows else None, size)

    def neighbours(
        self, user: UserView, image_id: int, query: GalleryQuery = FIRST_PAGE
    ) -> tuple[int | None, int | None]:
        """The ids of the images before and after this one in the gallery's current order and filter."""
        with self.db.reader() as uow:
            if uow.images.get_for_user(user.id, image_id) is None:
                raise NotFoundError("That image is not in your gallery.")
            return self._neighbours(uow, user, image_id, query)

    def _neighbours(
        self, uow: UnitOfWork, user: UserView, image_id: int, query: GalleryQuery
    ) -> tuple[int | None, int | None]:
        around = replace(query, cursor=image_id, backward=False)
        before = uow.images.find(user.id, replace(around, backward=True), limit=1)
        after = uow.images.find(user.id, around, limit=1)
        return (before[0].id if before else None), (after[0].id if after else None)

    def in_flight(self, user: UserView) -> list[GenerationView]:
        """The user's jobs still queued or running, newest first: the gallery shows their images' places."""
        with self.db.reader() as uow:
            return [generation_view(row) for row in uow.generations.in_flight_for_user(user.id)]

    def _views(
        self, uow: UnitOfWork, user: UserView, rows: list[Image], next_cursor: int | None, total: int
    ) -> tuple[Page[ImageView], dict[str, int]]:
        """The rows as the grid shows them, each with its job's facts, and each job's batch size."""
        facts = uow.generations.job_facts(user.id, {r.generation_id for r in rows if r.generation_id})
        views = [image_view(r, self.signer, job=facts.get(r.generation_id or "")) for r in rows]
        return Page(views, next_cursor, total), {gid: fact.num_images for gid, fact in facts.items()}

    def detail(self, user: UserView, image_id: int) -> ImageDetail:
        with self.db.reader() as uow:
            return self._detail(uow, user, image_id)

    def open(self, user: UserView, image_id: int, query: GalleryQuery = FIRST_PAGE) -> OpenedImage:
        """The image for the lightbox, with its neighbours in the gallery's current order and filter."""
        with self.db.reader() as uow:
            detail = self._detail(uow, user, image_id)
            newer, older = self._neighbours(uow, user, image_id, query)
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
        facts = uow.generations.job_facts(user.id, {r.generation_id for r in related if r.generation_id})

        def view(row: Image) -> ImageView:
            return image_view(row, self.signer, job=facts.get(row.generation_id or ""))

        return ImageDetail(
            image=image_view(image, self.signer, prompt=generation.prompt if generation else ""),
            generation=generation_view(generation, input_image_ids=input_ids) if generation else None,
            chain=ImageChain([view(p) for p in parents], len(input_ids) - len(parents), [view(c) for c in children]),
            collection_ids=frozenset(uow.collections.holding(user.id, image_id)),
        )

    def delete(self, user: UserView, image_id: int, *, how_made: bool = False) -> None:
        """Remove the image and its files. The job's record stays in the history unless `how_made`."""
        if self.delete_many(user, [image_id], how_made=how_made) == 0:
            raise NotFoundError("That image is not in your gallery.")

    def delete_many(self, user: UserView, image_ids: Sequence[int], *, how_made: bool = False) -> int:
        """Remove those of the images that are the user's, with their files and collection places; how many.
        An id that is gone already (another tab) or not theirs is passed over. A job left with no image leaves
        the search index; `how_made` also removes the jobs' prompts and settings (from every image of the job).
        The files are owed to the outbox in the same transaction, so a crash after the commit loses none."""
        now = self.clock()
        with self.db.uow() as uow:
            images = list(uow.images.owned(user.id, image_ids))
            for image in images:
                uow.images.delete(image)
            keys = [key for image in images for key in (image.blob_key, image.thumb_key, image.preview_key) if key]
            owe_many(uow, DeletionKind.BLOB, keys, now)
            jobs = uow.of(JobErasureRepository)
            job_ids = {image.generation_id for image in images if image.generation_id}
            empty = jobs.without_images(job_ids)
            jobs.hide_from_search(empty)
            for job_id in sorted(job_ids) if how_made else ():
                job = uow.generations.get_for_user(user.id, job_id)
                if job is not None and job.kind == GenerationKind.FILL:  # its brushed region goes with its settings
                    owe(uow, DeletionKind.BLOB, mask_key(user.id, job_id), now)
                request_id = jobs.forget(user.id, job_id, has_images=job_id not in empty)
                if request_id:
                    owe(uow, DeletionKind.ENGINE, request_id, now)
            uow.commit()
        delete_blobs(self.blobs, images)  # at once, after the commit; the outbox is the backstop
        return len(images)

    def matching_ids(self, user: UserView, gallery_filter: GalleryFilter) -> list[int]:
        """Every image that matches the filter, newest first: "select all that match"."""
        with self.db.reader() as uow:
            return uow.images.matching_ids(user.id, gallery_filter)

    def set_favourite(self, user: UserView, image_ids: Sequence[int], favourite: bool) -> int:
        """Star (or unstar) the user's images; how many changed. Others' ids change nothing."""
        with self.db.uow() as uow:
            changed = uow.images.set_favourite(user.id, image_ids, favourite)
            uow.commit()
        return changed

    def toggle_favourite(self, user: UserView, image_id: int) -> bool:
        """Star the image, or unstar it if it is starred; its new state."""
        with self.db.uow() as uow:
            starred = uow.images.toggle_favourite(user.id, image_id)
            if starred is None:
                raise NotFoundError("That image is not in your gallery.")
            uow.commit()
        return starred

    def fill_placeholders(self, batch: int = 200) -> int:
        """Give every image without a ThumbHash its placeholder: from its thumbnail (images stored before
        placeholders existed), or with its preview and thumbnail made from the original first (a job's image whose
        worker stopped before making them). The files are read outside any transaction, then one short write.
        How many were filled; one that cannot be read is passed over (it keeps no placeholder)."""
        filled, after = 0, 0
        while True:
            with self.db.reader() as uow:
                rows = list(uow.images.without_placeholder(after, batch))
            if not rows:
                return filled
            hashes = {row.id: found for row in rows if row.id is not None and (found := self._hash(row.thumb_key))}
            with self.db.uow() as uow:
                uow.images.set_placeholders(hashes)
                uow.commit()
            unmade = [row for row in rows if row.id not in hashes and not self.blobs.exists(row.thumb_key)]
            made = derive_all(self.db, self.blobs, unmade, self.max_pixels)
            filled, after = filled + len(hashes) + made, rows[-1].id or after

    def _hash(self, key: str) -> str:
        try:
            with PILImage.open(io.BytesIO(self.blobs.get(key))) as picture:
                return thumbhash_of(picture)
        except (BlobNotFoundError, OSError, ValueError):
            return ""

    def facets(self, user: UserView) -> GalleryFacets:
        """What the filters can offer: the models, kinds and shapes in the gallery, and the collections."""
        with self.db.reader() as uow:
            version = uow.images.version(user.id)
            kept = self._facets.get(user.id)
            if kept is None or kept[0] != version:
                kept = (version, uow.images.facets(user.id))
                with self._facets_lock:
                    if len(self._facets) >= FACETS_KEPT:
                        self._facets.pop(next(iter(self._facets)), None)
                    self._facets[user.id] = kept
            models, kinds, aspects = kept[1]
            collections = collection_views(uow.collections.with_counts(user.id))
        ordered = tuple(a for a in ASPECT_RATIOS if a in aspects)
        return GalleryFacets(tuple(models), tuple(kinds), ordered, collections)
