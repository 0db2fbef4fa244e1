"""CollectionService: a user's boards. Create, rename and delete them (their images stay), file images in
them and take them out. Every name passes core.stored_text's rule for collection names (at most
MAX_COLLECTION_NAME_CHARS) and is unique per user in any case."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from core.domain import UserView
from core.domain.gallery import CollectionView
from core.errors import DuplicateKeyError, NotFoundError, ValidationError
from core.stored_text import COLLECTION_NAME_COLUMN, collection_name_rule
from db.tables import Collection
from db.uow import Database, UnitOfWork

MAX_COLLECTIONS = 200
GONE = "That collection no longer exists."


def collection_views(rows: Sequence[tuple[Collection, int]]) -> tuple[CollectionView, ...]:
    return tuple(CollectionView(row.id, row.name, count) for row, count in rows if row.id is not None)


def clean_name(name: str, max_chars: int = COLLECTION_NAME_COLUMN) -> str:
    """The name as kept: runs of white space made one space. Raises ValidationError saying what to fix."""
    cleaned = collection_name_rule(max_chars).clean(name)
    if len(cleaned.casefold()) > COLLECTION_NAME_COLUMN:  # "ß" folds to "ss": the key may be longer than the name
        raise ValidationError(
            f"The collection name is too long once written in lower case (the limit is {COLLECTION_NAME_COLUMN:,}"
            " characters). Shorten it and try again."
        )
    return cleaned


class CollectionService:
    def __init__(self, db: Database, *, max_name_chars: int = COLLECTION_NAME_COLUMN) -> None:
        self.db = db
        self.max_name_chars = max_name_chars

    def list(self, user: UserView) -> tuple[CollectionView, ...]:
        """The user's collections by name, with their image counts."""
        with self.db.reader() as uow:
            return collection_views(uow.collections.with_counts(user.id))

    def create(self, user: UserView, name: str, image_ids: Sequence[int] = ()) -> CollectionView:
        """A new collection holding those of `image_ids` that are the user's, made in one transaction."""
        name = clean_name(name, self.max_name_chars)
        with self.db.uow() as uow:
            if uow.collections.count(user.id) >= MAX_COLLECTIONS:
                raise ValidationError(
                    f"You can have up to {MAX_COLLECTIONS} collections. Delete one you no longer use."
                )
            row = Collection(user_id=user.id, name=name, name_key=name.casefold())
            if not uow.collections.add(row):
                raise ValidationError(_taken(name))
            assert row.id is not None
            added = uow.collections.add_images(row.id, _mine(uow, user, image_ids)) if image_ids else 0
            uow.commit()
        return CollectionView(row.id, row.name, added)

    def rename(self, user: UserView, collection_id: int, name: str) -> None:
        name = clean_name(name, self.max_name_chars)
        with self.db.uow() as uow:
            row = self._get(uow, user, collection_id)
            other = uow.collections.by_name(user.id, name.casefold())
            if other is not None and other.id != row.id:
                raise ValidationError(_taken(name))
            row.name, row.name_key = name, name.casefold()
            try:
                uow.commit()
            except DuplicateKeyError:  # another tab took this name in the same moment
                raise ValidationError(_taken(name)) from None

    def delete(self, user: UserView, collection_id: int) -> None:
        """The collection goes; its images stay in the gallery."""
        with self.db.uow() as uow:
            uow.collections.delete(self._get(uow, user, collection_id))
            uow.commit()

    def add_images(self, user: UserView, collection_id: int, image_ids: Sequence[int]) -> int:
        """File those of the images that are the user's; how many were not in it yet."""
        with self.db.uow() as uow:
            row = self._get(uow, user, collection_id)
            added = uow.collections.add_images(row.id or 0, _mine(uow, user, image_ids))
            uow.commit()
        return added

    def remove_images(self, user: UserView, collection_id: int, image_ids: Sequence[int]) -> int:
        """Take the images out of the collection (they stay in the gallery); how many were in it."""
        with self.db.uow() as uow:
            row = self._get(uow, user, collection_id)
            removed = uow.collections.remove_images(row.id or 0, image_ids)
            uow.commit()
        return removed

    def file(self, user: UserView, image_id: int, collection_ids: Iterable[int]) -> None:
        """Put the image in exactly these of the user's collections (the image view's choice), in one
        transaction. Raises NotFoundError when the image, or one of the collections, is not the user's."""
        with self.db.uow() as uow:
            if not _mine(uow, user, [image_id]):
                raise NotFoundError("That image is not in your gallery.")
            wanted = {self._get(uow, user, cid).id for cid in collection_ids}
            held = set(uow.collections.holding(user.id, image_id))
            for collection_id in wanted - held:
                uow.collections.add_images(collection_id or 0, [image_id])
            for collection_id in held - wanted:
                uow.collections.remove_images(collection_id, [image_id])
            uow.commit()

    @staticmethod
    def _get(uow: UnitOfWork, user: UserView, collection_id: int) -> Collection:
        row = uow.collections.get_for_user(user.id, collection_id)
        if row is None:
            raise NotFoundError(GONE)
        return row


def _mine(uow: UnitOfWork, user: UserView, image_ids: Sequence[int]) -> list[int]:
    return [image.id for image in uow.images.owned(user.id, image_ids) if image.id is not None]


def _taken(name: str) -> str:
    return f"You already have a collection named “{name}”."
