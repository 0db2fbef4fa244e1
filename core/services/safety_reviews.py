"""SafetyReviewService: a person's review of the automated safety check. The user asks for it (or has every block
sent to a person by opting out of automated decisions); an admin opens the withheld image, which is audited, and
releases it to the user's gallery (charged only then) or confirms the block. Withheld images nobody asked about
are deleted after the retention period."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from core.clock import Clock
from core.domain import Page, UserView, keyset_page
from core.domain.privacy import Purpose
from core.errors import BlobNotFoundError, EngineError, NotFoundError, ValidationError
from core.images import clean_engine_output
from core.ports import BlobStore
from core.pricing import capture
from core.services import audit, ledger, privacy_requests
from core.services.deletion_outbox import DeletionKind, owe
from core.services.image_store import delete_blobs, store_image
from core.services.privacy import change_choice
from core.services.privacy_requests import RequestKind, RequestStatus
from core.services.roles import require_admin
from core.services.safety_review_views import (
    OpenedReview,
    QueueItem,
    ReviewStatus,
    ReviewView,
    queue_item,
    review_view,
)
from core.text import plural
from db.repositories.consents import ConsentRepository
from db.repositories.safety_reviews import SafetyReviewRepository
from db.uow import Database, UnitOfWork

DECIDED = "This review was decided already (perhaps by another reviewer a moment ago). Reload the queue."
RELEASED_ANSWER = "A person reviewed the image and released it to your gallery; it was charged {charged}."
BLOCKED_ANSWER = "A person reviewed the image and confirmed the automated block. It has been deleted."
EXPIRE_BATCH = 200
REFUSAL = "Only admins can review safety blocks."


class SafetyReviewService:
    page_size = 25
    mine_limit = 50

    def __init__(
        self,
        db: Database,
        blobs: BlobStore,
        withheld: BlobStore,
        clock: Clock,
        *,
        policy_version: Callable[[], str],  # the privacy policy in force now
        retention_days: int,
        max_pixels: int,
        check_note: str = "",
    ) -> None:
        self.db, self.blobs, self.withheld, self.clock = db, blobs, withheld, clock
        self.policy_version = policy_version
        self.retention = timedelta(days=retention_days)
        self.max_pixels = max_pixels
        self.check_note = check_note  # what the engine's check is, said to users (the offline one: a word list)

    # The user's side.

    def human_review(self, actor: UserView) -> bool:
        """Whether the user has opted out of automated decisions: every block goes to a person."""
        with self.db.reader() as uow:
            return uow.of(ConsentRepository).choices(actor.id)[Purpose.HUMAN_REVIEW]

    def set_human_review(self, actor: UserView, on: bool) -> bool:
        """Record the choice, as every privacy choice is (a consent record; opting out is an objection too);
        False if it already was so."""
        with self.db.uow() as uow:
            changed = change_choice(uow, actor.id, Purpose.HUMAN_REVIEW, on, self.clock(), self.policy_version())
            uow.commit()
        return changed

    def mine(self, actor: UserView) -> list[ReviewView]:
        """The user's withheld images and their reviews, newest first."""
        with self.db.reader() as uow:
            rows = uow.of(SafetyReviewRepository).for_user(actor.id, self.mine_limit)
        return [review_view(review, job) for review, job in rows]

    def for_job(self, actor: UserView, generation_id: str) -> list[ReviewView]:
        """The withheld images of one of the user's jobs, in their batch order."""
        with self.db.reader() as uow:
            return [review_view(r) for r in uow.of(SafetyReviewRepository).for_job(actor.id, generation_id)]

    def request_job_review(self, actor: UserView, generation_id: str) -> int:
        """Send every still-withheld image of one of the user's jobs to a person; returns how many were sent."""
        with self.db.uow() as uow:
            reviews = uow.of(SafetyReviewRepository)
            now, sent = self.clock(), 0
            for review in reviews.for_job(actor.id, generation_id):
                assert review.id is not None
                sent += _ask(uow, actor, review.id, review.public_id, now)
            uow.commit()
        return sent

    def request_review(self, actor: UserView, review_public_id: str) -> ReviewView:
        """Send a withheld image to a person; asking twice changes nothing."""
        with self.db.uow() as uow:
            reviews = uow.of(SafetyReviewRepository)
            review = reviews.by_public_id(actor.id, review_public_id)
            if review is None or review.id is None:
                raise NotFoundError("There is no such withheld image.")
            if review.status == ReviewStatus.WITHHELD:
                if _ask(uow, actor, review.id, review.public_id, self.clock()):
                    uow.commit()
                review = reviews.by_public_id(actor.id, review_public_id)  # as it is now, after a lost race too
                assert review is not None
        return review_view(review)

    # The reviewer's side.

    def queue(self, actor: UserView, after_id: int | None = None) -> Page[QueueItem]:
        """The reviews waiting for a person, oldest first."""
        with self.db.reader() as uow:
            require_admin(uow, actor, REFUSAL)
            reviews = uow.of(SafetyReviewRepository)
            rows = reviews.queue(ReviewStatus.PENDING, after_id, self.page_size + 1)
            total = reviews.count(ReviewStatus.PENDING)
        return keyset_page([queue_item(review, job) for review, job in rows], self.page_size, total)

    def open(self, actor: UserView, review_id: int) -> OpenedReview:
        """The withheld image and its prompt. Every opening is audited, before anything is shown."""
        with self.db.uow() as uow:
            require_admin(uow, actor, REFUSAL)
            found = uow.of(SafetyReviewRepository).with_prompt(review_id)
            if found is None:
                raise NotFoundError("There is no such review.")
            review, job = found
            audit.record(
                uow, self.clock(), actor.id, "safety_review.viewed", f"user:{review.user_id}", review=review_id
            )
            uow.commit()
        data = None
        if review.blob_key:
            try:
                data = self.withheld.get(review.blob_key)
            except BlobNotFoundError:
                data = None
        return OpenedReview(
            id=review_id,
            user_id=review.user_id,
            status=ReviewStatus(review.status),
            prompt=job.prompt,
            model=job.model,
            kind=job.kind,
            created_at=review.created_at,
            requested_at=review.requested_at,
            data=data,
            content_type=review.content_type,
            price=capture(job.cost, 1, job.num_images),
        )

    def release(self, actor: UserView, review_id: int) -> int:
        """Put the image in the user's gallery and charge its share of the job's price, only now. A short balance
        is charged what it holds: the block was the check's mistake, so the image is released all the same.
        Returns the credits charged."""
        with self.db.reader() as uow:
            require_admin(uow, actor, REFUSAL)
            found = uow.of(SafetyReviewRepository).with_prompt(review_id)
        if found is None:
            raise NotFoundError("There is no such review.")
        review, job = found
        if review.status != ReviewStatus.PENDING or not review.blob_key:
            raise ValidationError(DECIDED)
        try:
            clean = clean_engine_output(self.withheld.get(review.blob_key), max_pixels=self.max_pixels)
        except (BlobNotFoundError, EngineError):
            raise ValidationError(
                "The withheld image is no longer stored, so it cannot be released. Confirm the block to close it."
            ) from None
        image = store_image(
            self.blobs,
            review.user_id,
            clean,
            source="generated",
            generation_id=job.id,
            position=review.position,
            seed=review.seed,
        )
        try:
            with self.db.uow() as uow:
                require_admin(uow, actor, REFUSAL)
                now = self.clock()
                uow.images.add(image)
                moved = uow.of(SafetyReviewRepository).move(
                    review_id,
                    ReviewStatus.PENDING,
                    {
                        "status": ReviewStatus.RELEASED,
                        "reviewer_id": actor.id,
                        "decided_at": now,
                        "image_id": image.id,
                        "blob_key": "",
                    },
                )
                if not moved:
                    raise ValidationError(DECIDED)
                price = capture(job.cost, 1, job.num_images)
                charged = ledger.charge(
                    uow,
                    review.user_id,
                    price,
                    "Image released after a person's review",
                    f"review:{review.public_id}:charge",
                    f"generation {job.id[:8]}",
                )
                owe(uow, DeletionKind.WITHHELD, review.blob_key, now)
                audit.record(
                    uow,
                    now,
                    actor.id,
                    "safety_review.released",
                    f"user:{review.user_id}",
                    review=review_id,
                    charged=charged,
                )
                answer = RELEASED_ANSWER.format(charged=plural(charged, "credit"))
                self._answer(uow, review.user_id, review.public_id, answer, actor.id)
                uow.commit()
        except BaseException:
            delete_blobs(self.blobs, [image])
            raise
        return charged

    def confirm_block(self, actor: UserView, review_id: int) -> None:
        """The block stands: the withheld image is deleted and the user is told."""
        with self.db.uow() as uow:
            require_admin(uow, actor, REFUSAL)
            reviews = uow.of(SafetyReviewRepository)
            review = reviews.get(review_id)
            if review is None:
                raise NotFoundError("There is no such review.")
            now = self.clock()
            key, user_id, public_id = review.blob_key, review.user_id, review.public_id  # the update clears the key
            values = {"status": ReviewStatus.BLOCKED, "reviewer_id": actor.id, "decided_at": now, "blob_key": ""}
            if not reviews.move(review_id, ReviewStatus.PENDING, values):
                raise ValidationError(DECIDED)
            if key:
                owe(uow, DeletionKind.WITHHELD, key, now)
            audit.record(uow, now, actor.id, "safety_review.blocked", f"user:{user_id}", review=review_id)
            self._answer(uow, user_id, public_id, BLOCKED_ANSWER, actor.id)
            uow.commit()

    # Housekeeping.

    def expire_withheld(self, now: datetime | None = None) -> int:
        """Delete withheld images nobody asked a person to review, once the retention period is over (the
        retention sweep's "withheld" rule)."""
        now = now or self.clock()
        with self.db.uow() as uow:
            reviews = uow.of(SafetyReviewRepository)
            removed = 0
            for review in reviews.expired(ReviewStatus.WITHHELD, now - self.retention, EXPIRE_BATCH):
                assert review.id is not None
                if reviews.delete_if(review.id, ReviewStatus.WITHHELD):
                    if review.blob_key:
                        owe(uow, DeletionKind.WITHHELD, review.blob_key, now)
                    removed += 1
            uow.commit()
        return removed

    def _answer(self, uow: UnitOfWork, user_id: int, public_id: str, answer: str, handler_id: int) -> None:
        uow.of(SafetyReviewRepository).answer_request(
            user_id, public_id, RequestStatus.COMPLETED, answer, handler_id, self.clock()
        )


def _ask(uow: UnitOfWork, actor: UserView, review_id: int, public_id: str, now: datetime) -> bool:
    """A withheld image goes to a person, recorded as the user's request; False if it was not withheld."""
    values = {"status": ReviewStatus.PENDING, "requested_at": now}
    if not uow.of(SafetyReviewRepository).move(review_id, ReviewStatus.WITHHELD, values):
        return False
    privacy_requests.record(uow, actor.id, RequestKind.REVIEW, now, status=RequestStatus.RECEIVED, artifact=public_id)
    return True
