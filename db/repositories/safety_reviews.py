"""Safety reviews: images the automated safety check withheld, the user's requests for a person's review, and the
reviewer's decisions, each a conditional update so a second click or a second reviewer changes nothing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import delete, func, update
from sqlmodel import col, select

from db.repositories.base import Repository
from db.tables import Generation, PrivacyRequest, SafetyReview


class SafetyReviewRepository(Repository):
    def add(self, review: SafetyReview) -> SafetyReview:
        self.session.add(review)
        self.session.flush()
        return review

    def get(self, review_id: int) -> SafetyReview | None:
        return self.session.get(SafetyReview, review_id)

    def with_prompt(self, review_id: int) -> tuple[SafetyReview, Generation] | None:
        query = (
            select(SafetyReview, Generation)
            .join(Generation, col(Generation.id) == SafetyReview.generation_id)
            .where(SafetyReview.id == review_id)
        )
        found = self.session.exec(query).first()
        return (found[0], found[1]) if found else None

    def by_public_id(self, user_id: int, public_id: str) -> SafetyReview | None:
        """Read from the database even when the session holds the row already (after a conditional update)."""
        query = select(SafetyReview).where(SafetyReview.public_id == public_id, SafetyReview.user_id == user_id)
        return self.session.exec(query.execution_options(populate_existing=True)).first()

    def for_user(self, user_id: int, limit: int) -> list[tuple[SafetyReview, Generation]]:
        """The user's reviews with their jobs, newest first."""
        query = (
            select(SafetyReview, Generation)
            .join(Generation, col(Generation.id) == SafetyReview.generation_id)
            .where(SafetyReview.user_id == user_id)
            .order_by(col(SafetyReview.id).desc())
            .limit(limit)
        )
        return [(review, job) for review, job in self.session.exec(query).all()]

    def for_job(self, user_id: int, generation_id: str) -> list[SafetyReview]:
        query = (
            select(SafetyReview)
            .where(SafetyReview.user_id == user_id, SafetyReview.generation_id == generation_id)
            .order_by(col(SafetyReview.position))
        )
        return list(self.session.exec(query).all())

    def queue(self, status: str, after_id: int | None, limit: int) -> list[tuple[SafetyReview, Generation]]:
        """Reviews in `status` with their jobs, oldest first, after the keyset cursor."""
        query = (
            select(SafetyReview, Generation)
            .join(Generation, col(Generation.id) == SafetyReview.generation_id)
            .where(SafetyReview.status == status)
        )
        if after_id is not None:
            query = query.where(col(SafetyReview.id) > after_id)
        return [(r, g) for r, g in self.session.exec(query.order_by(col(SafetyReview.id)).limit(limit)).all()]

    def kept_keys(self, user_id: int) -> list[str]:
        """The withheld store's keys of the user's images still kept there."""
        query = select(SafetyReview.blob_key).where(SafetyReview.user_id == user_id, SafetyReview.blob_key != "")
        return list(self.session.exec(query).all())

    def forget_reviewer(self, user_id: int) -> int:
        """An erased staff member's name leaves the reviews they decided (the decisions stay, by no one)."""
        result = self.session.execute(
            update(SafetyReview).where(col(SafetyReview.reviewer_id) == user_id).values(reviewer_id=None)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def count(self, status: str) -> int:
        query = select(func.count()).select_from(SafetyReview).where(SafetyReview.status == status)
        return int(self.session.exec(query).one())

    def move(self, review_id: int, expected: str, values: Mapping[str, object]) -> bool:
        """Change the review only if its status still is `expected`; False if someone moved it first."""
        result = self.session.execute(
            update(SafetyReview)
            .where(col(SafetyReview.id) == review_id, col(SafetyReview.status) == expected)
            .values(**values)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def expired(self, status: str, before: datetime, limit: int) -> list[SafetyReview]:
        query = (
            select(SafetyReview)
            .where(SafetyReview.status == status, col(SafetyReview.created_at) < before)
            .order_by(col(SafetyReview.id))
            .limit(limit)
        )
        return list(self.session.exec(query).all())

    def delete_if(self, review_id: int, expected: str) -> bool:
        """Delete the review only if its status still is `expected` (a request may have come in meanwhile)."""
        result = self.session.execute(
            delete(SafetyReview).where(col(SafetyReview.id) == review_id, col(SafetyReview.status) == expected)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def answer_request(
        self, user_id: int, public_id: str, status: str, answer: str, handler_id: int, now: datetime
    ) -> None:
        """Complete the privacy request that asked for this review (its artifact is the review's public id)."""
        self.session.execute(
            update(PrivacyRequest)
            .where(
                col(PrivacyRequest.user_id) == user_id,
                col(PrivacyRequest.kind) == "review",
                col(PrivacyRequest.artifact) == public_id,
                col(PrivacyRequest.status).in_(("received", "in_progress")),
            )
            .values(status=status, answer=answer, handler_id=handler_id, completed_at=now)
        )
