"""The privacy centre's export's reads that no other repository has: every kind of row a user owns, always
scoped to that user, in keyset batches where a user may have many."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import func
from sqlmodel import SQLModel, col, select

from db.repositories.base import Repository
from db.tables import (
    Collection,
    CollectionImage,
    Generation,
    Image,
    LedgerEntry,
    Plan,
    SafetyReview,
)

T = TypeVar("T", bound=SQLModel)
JobCursor = tuple[datetime, str]


class PrivacyExportRepository(Repository):
    def rows(self, table: type[T], user_id: int, after_id: int | None, limit: int) -> Sequence[T]:
        """The next `limit` of the user's rows of a table with an `id` and a `user_id`, oldest first."""
        ident: Any = getattr(table, "id")  # noqa: B009 - every table given here has both columns
        owner: Any = getattr(table, "user_id")  # noqa: B009
        query = select(table).where(owner == user_id)
        if after_id is not None:
            query = query.where(ident > after_id)
        return self.session.exec(query.order_by(ident).limit(limit)).all()

    def jobs(self, user_id: int, after: JobCursor | None, limit: int) -> Sequence[Generation]:
        """The user's next `limit` jobs, oldest first (by creation, then id: ids are random tokens)."""
        query = select(Generation).where(Generation.user_id == user_id)
        if after is not None:
            at, last = after
            created, ident = col(Generation.created_at), col(Generation.id)
            query = query.where(sa.or_(created > at, sa.and_(created == at, ident > last)))
        order = (col(Generation.created_at), col(Generation.id))
        return self.session.exec(query.order_by(*order).limit(limit)).all()

    def job_images(self, user_id: int, generation_ids: Sequence[str]) -> Sequence[Image]:
        """The user's images of these jobs, in each job's batch order."""
        if not generation_ids:
            return []
        query = select(Image).where(Image.user_id == user_id, col(Image.generation_id).in_(generation_ids))
        return self.session.exec(query.order_by(col(Image.generation_id), col(Image.position))).all()

    def uploads(self, user_id: int, after_id: int | None, limit: int) -> Sequence[Image]:
        """The user's next `limit` images that no job made (uploads), oldest first."""
        query = select(Image).where(Image.user_id == user_id, col(Image.generation_id).is_(None))
        if after_id is not None:
            query = query.where(col(Image.id) > after_id)
        return self.session.exec(query.order_by(col(Image.id)).limit(limit)).all()

    def withheld(self, user_id: int, generation_ids: Sequence[str]) -> dict[str, list[SafetyReview]]:
        """The user's withheld outputs of these jobs, by job, in position order."""
        if not generation_ids:
            return {}
        query = select(SafetyReview).where(
            SafetyReview.user_id == user_id, col(SafetyReview.generation_id).in_(generation_ids)
        )
        found: dict[str, list[SafetyReview]] = {}
        for review in self.session.exec(query.order_by(col(SafetyReview.position), col(SafetyReview.id))):
            found.setdefault(review.generation_id, []).append(review)
        return found

    def counts(self, user_id: int) -> tuple[int, int, int]:
        """How many jobs, uploads and ledger rows the user has: the JSON's header and the size estimate."""
        jobs = select(func.count()).select_from(Generation).where(Generation.user_id == user_id)
        uploads = (
            select(func.count()).select_from(Image).where(Image.user_id == user_id, col(Image.generation_id).is_(None))
        )
        ledger = select(func.count()).select_from(LedgerEntry).where(LedgerEntry.user_id == user_id)
        return tuple(int(self.session.exec(q).one()) for q in (jobs, uploads, ledger))  # type: ignore[return-value]

    def plans(self, user_id: int) -> Sequence[Plan]:
        return self.session.exec(select(Plan).where(Plan.user_id == user_id).order_by(col(Plan.id))).all()

    def collections(self, user_id: int) -> list[tuple[Collection, list[str]]]:
        """The user's collections, oldest first, each with the public ids of its images (the user's own)."""
        query = (
            select(Collection, Image.public_id)
            .where(Collection.user_id == user_id)
            .outerjoin(CollectionImage, col(CollectionImage.collection_id) == col(Collection.id))
            .outerjoin(Image, sa.and_(col(Image.id) == col(CollectionImage.image_id), col(Image.user_id) == user_id))
            .order_by(col(Collection.id), col(Image.id))
        )
        found: dict[int | None, tuple[Collection, list[str]]] = {}
        for collection, public_id in self.session.exec(query):
            entry = found.setdefault(collection.id, (collection, []))
            if public_id is not None:
                entry[1].append(public_id)
        return list(found.values())
