"""Images: the user's gallery, filtered, searched and paged by keyset through one query; favourites."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import case, false, func, update
from sqlmodel import col, select

from core.domain.gallery import LAB_KIND, UPLOAD_KIND, GalleryFilter, GalleryQuery
from db.repositories.base import Repository
from db.repositories.gallery_query import after, ahead_of, filtered
from db.tables import Generation, Image


class ImageRepository(Repository):
    def add(self, image: Image) -> Image:
        self.session.add(image)
        self.session.flush()
        return image

    def get(self, image_id: int) -> Image | None:
        return self.session.get(Image, image_id)

    def by_public_id(self, public_id: str) -> Image | None:
        return self.session.exec(select(Image).where(Image.public_id == public_id)).first()

    def get_for_user(self, user_id: int, image_id: int) -> Image | None:
        query = select(Image).where(Image.id == image_id, Image.user_id == user_id)
        return self.session.exec(query).first()

    def find(self, user_id: int, query: GalleryQuery, *, limit: int | None = None) -> Sequence[Image]:
        """The gallery's one read: the user's images that match the query's filter, in its order, after its
        cursor (keyset on the id, so page 200 costs what page 1 costs); for a `backward` query, those before
        its cursor, nearest first (the previous page). `limit` None reads to the end."""
        rows = filtered(self.session, select(Image), user_id, query.filter)
        rows = after(rows, query.sort, query.cursor, reverse=query.backward)
        return self.session.exec(rows.limit(limit) if limit is not None else rows).all()

    def count_and_position(self, user_id: int, query: GalleryQuery) -> tuple[int, int]:
        """In one pass: how many images match, and how many of them come before the query's cursor (with it,
        for a page that starts after it; without it, for a page that ends before it): the page number.
        The second is 0 on the first page."""
        cursor = query.cursor
        ahead = ahead_of(query.sort, cursor, inclusive=not query.backward) if cursor is not None else false()
        counts = select(func.count(), func.coalesce(func.sum(case((ahead, 1), else_=0)), 0)).select_from(Image)
        total, position = self.session.exec(filtered(self.session, counts, user_id, query.filter, whole=True)).one()
        return int(total), int(position)

    def matching_ids(self, user_id: int, gallery_filter: GalleryFilter) -> list[int]:
        """Every matching image's id, newest first ("select all that match")."""
        query = filtered(self.session, select(col(Image.id)), user_id, gallery_filter, whole=True)
        return [i for i in self.session.exec(query.order_by(col(Image.id).desc())).all() if i is not None]

    def owned(self, user_id: int, image_ids: Sequence[int]) -> Sequence[Image]:
        """Those of `image_ids` that are the user's images (others', and ids that do not exist, are left out)."""
        if not image_ids:
            return []
        query = select(Image).where(Image.user_id == user_id, col(Image.id).in_(image_ids))
        return self.session.exec(query.order_by(col(Image.id).desc())).all()

    def version(self, user_id: int) -> tuple[int, int]:
        """How many images the user has and the newest one's id: any image stored or deleted changes it (ids only
        grow), so what is worked out from the images alone (their facets) can be kept until it changes. One read
        of the (user_id, id) index, not of the rows."""
        mine = select(func.count(), func.max(Image.id)).where(Image.user_id == user_id)
        count, newest = self.session.exec(mine).one()
        return int(count), int(newest or 0)

    def facets(self, user_id: int) -> tuple[list[str], list[str], list[str]]:
        """The models, kinds and aspect ratios the user's images have (what the filters can offer)."""
        mine = Image.user_id == user_id
        joined = select(Generation.model, Generation.kind, Generation.origin).join(
            Image, col(Image.generation_id) == col(Generation.id)
        )
        found = self.session.exec(joined.where(mine).distinct()).all()
        uploads = self.session.exec(select(Image.id).where(mine, Image.source == "upload").limit(1)).first()
        aspects = self.session.exec(select(Image.aspect).where(mine).distinct()).all()
        kinds = sorted({kind for _, kind, _ in found}) + ([UPLOAD_KIND] if uploads is not None else [])
        kinds += [LAB_KIND] if any(origin == LAB_KIND for _, _, origin in found) else []
        return sorted({model for model, _, _ in found}), kinds, [a for a in aspects if a]

    def without_placeholder(self, after_id: int, limit: int) -> Sequence[Image]:
        """Images stored before placeholders existed (no ThumbHash yet), by id after `after_id`."""
        query = select(Image).where(Image.thumbhash == "", col(Image.id) > after_id)
        return self.session.exec(query.order_by(col(Image.id)).limit(limit)).all()

    def set_placeholders(self, hashes: dict[int, str]) -> None:
        for image_id, value in hashes.items():
            self.session.execute(update(Image).where(col(Image.id) == image_id).values(thumbhash=value))

    def set_favourite(self, user_id: int, image_ids: Sequence[int], favourite: bool) -> int:
        """Star or unstar the user's images among `image_ids`; how many rows it changed."""
        if not image_ids:
            return 0
        result = self.session.execute(
            update(Image)
            .where(col(Image.user_id) == user_id, col(Image.id).in_(image_ids), col(Image.favourite) != favourite)
            .values(favourite=favourite)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def toggle_favourite(self, user_id: int, image_id: int) -> bool | None:
        """Flip the image's star in one conditional UPDATE; its new state, or None when it is not the user's."""
        mine = (col(Image.id) == image_id, col(Image.user_id) == user_id)
        self.session.execute(update(Image).where(*mine).values(favourite=~col(Image.favourite)))
        return self.session.exec(select(Image.favourite).where(*mine)).first()

    def for_generation(self, generation_id: str) -> Sequence[Image]:
        query = select(Image).where(Image.generation_id == generation_id).order_by(col(Image.position))
        return self.session.exec(query).all()

    def for_generations(self, generation_ids: Sequence[str]) -> Sequence[Image]:
        """The images of several jobs at once, in each job's batch order."""
        if not generation_ids:
            return []
        query = select(Image).where(col(Image.generation_id).in_(generation_ids))
        return self.session.exec(query.order_by(col(Image.generation_id), col(Image.position))).all()

    def delete(self, image: Image) -> None:
        self.session.delete(image)
        self.session.flush()
