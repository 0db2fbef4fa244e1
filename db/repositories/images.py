"""Images: the user's gallery, paged by keyset."""

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

    def count(self, user_id: int) -> int:
        return int(self.session.exec(select(func.count()).select_from(Image).where(Image.user_id == user_id)).one())

    def for_generation(self, generation_id: str) -> Sequence[Image]:
        query = select(Image).where(Image.generation_id == generation_id).order_by(col(Image.position))
        return self.session.exec(query).all()

    def delete(self, image: Image) -> None:
        self.session.delete(image)
        self.session.flush()
