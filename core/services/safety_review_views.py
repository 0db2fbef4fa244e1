"""Safety reviews as people see them: the user's own reviews with their outcome, and the reviewer's queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from db.tables import Generation, SafetyReview


class ReviewStatus(StrEnum):
    WITHHELD = "withheld"  # the automated check withheld it; nobody asked for a person yet
    PENDING = "pending"  # waiting for a person
    RELEASED = "released"  # a person released it to the gallery (and only then was it charged)
    BLOCKED = "blocked"  # a person confirmed the block


OUTCOMES = {
    ReviewStatus.WITHHELD: "Withheld by the automated check. You can ask a person to review it.",
    ReviewStatus.PENDING: "Waiting for a person to review it.",
    ReviewStatus.RELEASED: "A person reviewed it and released it to your gallery.",
    ReviewStatus.BLOCKED: "A person reviewed it and confirmed the block.",
}


@dataclass(frozen=True)
class ReviewView:
    """One of the user's withheld images: no bytes, only where it stands."""

    public_id: str
    generation_id: str
    position: int  # its place in its job's batch
    status: ReviewStatus
    created_at: datetime
    requested_at: datetime | None
    decided_at: datetime | None
    image_id: int | None  # the gallery image a release made
    prompt: str = ""

    @property
    def outcome(self) -> str:
        return OUTCOMES[self.status]

    @property
    def may_request(self) -> bool:
        return self.status == ReviewStatus.WITHHELD


@dataclass(frozen=True)
class QueueItem:
    """A review in the reviewer's queue: no image and no prompt until it is opened (which is audited)."""

    id: int
    user_id: int
    model: str
    status: ReviewStatus
    created_at: datetime
    requested_at: datetime | None


@dataclass(frozen=True)
class OpenedReview:
    """What the reviewer sees after opening a review: the withheld image and the prompt that made it."""

    id: int
    user_id: int
    status: ReviewStatus
    prompt: str
    model: str
    kind: str
    created_at: datetime
    requested_at: datetime | None
    data: bytes | None  # None once decided (the withheld copy is deleted) or if it is no longer stored
    content_type: str
    price: int  # what releasing it charges: its share of the job's hold


def review_view(review: SafetyReview, job: Generation | None = None) -> ReviewView:
    return ReviewView(
        public_id=review.public_id,
        generation_id=review.generation_id,
        position=review.position,
        status=ReviewStatus(review.status),
        created_at=review.created_at,
        requested_at=review.requested_at,
        decided_at=review.decided_at,
        image_id=review.image_id,
        prompt=job.prompt if job is not None else "",
    )


def queue_item(review: SafetyReview, job: Generation) -> QueueItem:
    assert review.id is not None
    return QueueItem(
        id=review.id,
        user_id=review.user_id,
        model=job.model,
        status=ReviewStatus(review.status),
        created_at=review.created_at,
        requested_at=review.requested_at,
    )
