"""Images: the user's gallery, paged by keyset, with each image's neighbours and its job's facts."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import Session, col, select

from db.tables import Image


class ImageRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

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

    def page(self, user_id: int, before_id: int | None, limit: int) -> Sequence[Image]:
        """Newest first. Keyset on the id, so page 200 costs what page 1 costs."""
        query = select(Image).where(Image.user_id == user_id)
        if before_id is not None:
            query = query.where(col(Image.id) < before_id)
        return self.session.exec(query.order_by(col(Image.id).desc()).limit(limit)).all()

    def count(self, user_id: int, *, from_id: int | None = None) -> int:
        """All the user's images, or only those at or above `from_id` (the ones on newer pages)."""
        query = select(func.count()).select_from(Image).where(Image.user_id == user_id)
        if from_id is not None:
            query = query.where(col(Image.id) >= from_id)
        return int(self.session.exec(query).one())

    def ids_from(self, user_id: int, from_id: int, limit: int) -> Sequence[int]:
        """Ids at or above `from_id`, oldest first: the pager finds the newer page's cursor among them."""
        query = select(col(Image.id)).where(Image.user_id == user_id, col(Image.id) >= from_id)
        return [i for i in self.session.exec(query.order_by(col(Image.id)).limit(limit)).all() if i is not None]

    def neighbours(self, user_id: int, image_id: int) -> tuple[int | None, int | None]:
        """The user's next newer and next older image around `image_id`: Previous and Next, newest first."""
        mine = select(col(Image.id)).where(Image.user_id == user_id)
        newer = mine.where(col(Image.id) > image_id).order_by(col(Image.id)).limit(1)
        older = mine.where(col(Image.id) < image_id).order_by(col(Image.id).desc()).limit(1)
        return self.session.exec(newer).first(), self.session.exec(older).first()

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
