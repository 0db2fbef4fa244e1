"""Collections: a user's named sets of images, with their counts, and which collections hold an image."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func
from sqlmodel import col, select

from db.repositories.base import Repository
from db.repositories.inserts import insert_once
from db.tables import Collection, CollectionImage, Image


class CollectionRepository(Repository):
    def add(self, collection: Collection) -> bool:
        """False when the user already has a collection by that name (in any case)."""
        return insert_once(self.session, collection)

    def get_for_user(self, user_id: int, collection_id: int) -> Collection | None:
        query = select(Collection).where(Collection.id == collection_id, Collection.user_id == user_id)
        return self.session.exec(query).first()

    def by_name(self, user_id: int, name_key: str) -> Collection | None:
        query = select(Collection).where(Collection.user_id == user_id, Collection.name_key == name_key)
        return self.session.exec(query).first()

    def with_counts(self, user_id: int) -> Sequence[tuple[Collection, int]]:
        """The user's collections by name, each with how many images it holds."""
        counts = (  # the user's collections only: not every user's links, on every gallery run
            select(CollectionImage.collection_id, func.count().label("n"))
            .join(Collection, col(Collection.id) == col(CollectionImage.collection_id))
            .where(Collection.user_id == user_id)
            .group_by(col(CollectionImage.collection_id))
            .subquery()
        )
        query = (
            select(Collection, func.coalesce(counts.c.n, 0))
            .outerjoin(counts, counts.c.collection_id == col(Collection.id))
            .where(Collection.user_id == user_id)
            .order_by(col(Collection.name_key), col(Collection.id))
        )
        return [(row, int(n)) for row, n in self.session.exec(query).all()]

    def count(self, user_id: int) -> int:
        return int(self.session.exec(select(func.count()).where(Collection.user_id == user_id)).one())

    def delete(self, collection: Collection) -> None:
        """The collection goes; its images stay (their links go with it, by the foreign key's cascade)."""
        self.session.execute(delete(CollectionImage).where(col(CollectionImage.collection_id) == collection.id))
        self.session.delete(collection)
        self.session.flush()

    def add_images(self, collection_id: int, image_ids: Sequence[int]) -> int:
        """File the images in the collection; those already in it are left as they are. How many were added."""
        present = set(
            self.session.exec(
                select(CollectionImage.image_id).where(
                    CollectionImage.collection_id == collection_id, col(CollectionImage.image_id).in_(image_ids)
                )
            ).all()
        )
        added = [i for i in dict.fromkeys(image_ids) if i not in present]
        for image_id in added:
            self.session.add(CollectionImage(collection_id=collection_id, image_id=image_id))
        self.session.flush()
        return len(added)

    def remove_images(self, collection_id: int, image_ids: Sequence[int]) -> int:
        result = self.session.execute(
            delete(CollectionImage).where(
                col(CollectionImage.collection_id) == collection_id, col(CollectionImage.image_id).in_(image_ids)
            )
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def holding(self, user_id: int, image_id: int) -> Sequence[int]:
        """The ids of the user's collections that hold the image."""
        query = (
            select(col(Collection.id))
            .join(CollectionImage, col(CollectionImage.collection_id) == col(Collection.id))
            .where(Collection.user_id == user_id, CollectionImage.image_id == image_id)
        )
        return [i for i in self.session.exec(query).all() if i is not None]

    def names_for_images(self, user_id: int, image_ids: Sequence[int]) -> dict[int, list[str]]:
        """For each image: the names of the user's collections that hold it, sorted."""
        if not image_ids:
            return {}
        query = (
            select(CollectionImage.image_id, Collection.name)
            .join(Collection, col(Collection.id) == col(CollectionImage.collection_id))
            .join(Image, col(Image.id) == col(CollectionImage.image_id))
            .where(Collection.user_id == user_id, col(CollectionImage.image_id).in_(image_ids))
            .order_by(col(Collection.name_key))
        )
        names: dict[int, list[str]] = {}
        for image_id, name in self.session.exec(query).all():
            names.setdefault(image_id, []).append(name)
        return names
