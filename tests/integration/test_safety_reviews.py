"""A person's review of the automated safety check, on SQLite and PostgreSQL: withheld images are kept apart and
never charged, the user asks for a review (or has every block reviewed), and an admin releases the image (charged
only then, once) or confirms the block; every look is audited and only admins may look."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import select

from core.adapters.memory_blobs import InMemoryBlobStore
from core.adapters.offline import OfflineImageEngine
from core.bootstrap import Container, bootstrap
from core.domain import JobStatus, UserView
from core.errors import PermissionDeniedError, ValidationError
from core.services.safety_review_views import ReviewStatus
from core.services.safety_reviews import SafetyReviewService
from db.engine import make_engine
from db.tables import AuditEntry, LedgerEntry, PendingDeletion, PrivacyRequest
from db.uow import Database
from tests.factories import MovableClock, create_form, ledger_sum, refreshed, settings_for, settle, sign_up

ADMIN = "admin@example.com"
FLAGGED = "a nude figure in a garden"


class FullStore(InMemoryBlobStore):
    """A withheld store whose disk is full."""

    def put(self, key: str, data: bytes, content_type: str) -> None:
        raise OSError("No space left on device")


def studio(containers: Callable[..., Container], database_url: str, **kwargs: object) -> tuple[Container, UserView]:
    c = containers(database_url, **{"admin_emails": ADMIN, "starter_credits": 20, **kwargs})
    return c, sign_up(c, ADMIN)


def run(c: Container, user: UserView, prompt: str, num_images: int = 1):  # type: ignore[no-untyped-def]
    job = c.generation.submit(user, create_form(prompt, num_images=num_images), c.generation.new_token())
    for _ in range(20):
        job = settle(c, user, job.id)
        if not job.status.in_flight:
            return job
    raise AssertionError("the job did not end")


def reviews(c: Container) -> SafetyReviewService:
    return c.of(SafetyReviewService)


def rows(c: Container, table: Any, **where: object) -> list[Any]:
    with c.db.reader() as uow:
        query = select(table)
        for name, value in where.items():
            query = query.where(getattr(table, name) == value)
        return list(uow.session.exec(query.order_by(table.id)).all())


def owed(c: Container) -> list[str]:
    return [row.target for row in rows(c, PendingDeletion, kind="withheld")]


def test_a_flagged_prompt_is_withheld_kept_apart_and_charges_nothing(containers, database_url: str) -> None:
    c, _ = studio(containers, database_url)
    user = sign_up(c)
    job = run(c, user, FLAGGED, num_images=2)
    assert job.status == JobStatus.FAILED and job.blocked == 2 and job.charged == 0
    assert "safety filter withheld all 2 images" in job.status_message
    mine = reviews(c).mine(user)
    assert [r.status for r in mine] == [ReviewStatus.WITHHELD] * 2 and {r.position for r in mine} == {0, 1}
    assert all(r.may_request and r.prompt == FLAGGED for r in mine)
    kept = sorted(c.withheld.keys(f"u{user.id}/"))
    assert len(kept) == 2 and all(c.withheld.get(key)[:4] == b"\x89PNG" for key in kept)
    assert sorted(c.blobs.keys(f"u{user.id}/")) == [] and c.gallery.page(user).items == []
    assert refreshed(c, user).balance == 20 == ledger_sum(c, user)


def test_a_clean_prompt_keeps_nothing_withheld(containers, database_url: str) -> None:
    c, _ = studio(containers, database_url)
    user = sign_up(c)
    job = run(c, user, "a gorge at dawn")  # "gorge" holds "gore" but is not the word
    assert job.status == JobStatus.SUCCEEDED and job.blocked == 0
    assert reviews(c).mine(user) == [] and sorted(c.withheld.keys("")) == []


def test_asking_for_a_review_puts_it_in_the_queue_and_records_the_request(containers, database_url: str) -> None:
    c, admin = studio(containers, database_url)
    user = sign_up(c)
    run(c, user, FLAGGED)
    [withheld] = reviews(c).mine(user)
    assert reviews(c).queue(admin).items == []  # nobody asked yet: not the reviewers' business
    asked = reviews(c).request_review(user, withheld.public_id)
    again = reviews(c).request_review(user, withheld.public_id)
    assert asked.status == again.status == ReviewStatus.PENDING and not asked.may_request
    queue = reviews(c).queue(admin)
    assert queue.total == 1 and queue.items[0].user_id == user.id
    [request] = rows(c, PrivacyRequest, user_id=user.id)
    assert (request.kind, request.status, request.artifact) == ("review", "received", withheld.public_id)


def test_release_puts_the_image_in_the_gallery_and_charges_it_once(containers, database_url: str) -> None:
    c, admin = studio(containers, database_url)
    user = sign_up(c)
    job = run(c, user, FLAGGED, num_images=2)
    first, _ = sorted(reviews(c).mine(user), key=lambda r: r.position)
    reviews(c).request_review(user, first.public_id)
    [item] = reviews(c).queue(admin).items
    charged = reviews(c).release(admin, item.id)
    with pytest.raises(ValidationError, match="decided already"):
        reviews(c).release(admin, item.id)
    assert charged == 1 and refreshed(c, user).balance == 19 == ledger_sum(c, user)
    charges = rows(c, LedgerEntry, user_id=user.id, kind="charge")
    assert [e.delta for e in charges] == [-1] and charges[0].idempotency_key == f"review:{first.public_id}:charge"
    [image] = c.gallery.page(user).items
    assert image.generation_id == job.id and image.position == 0
    released = next(r for r in reviews(c).mine(user) if r.public_id == first.public_id)
    assert released.status == ReviewStatus.RELEASED and released.image_id == image.id
    assert len(owed(c)) == 1 and owed(c)[0].startswith(f"u{user.id}/{first.public_id}.")
    [request] = rows(c, PrivacyRequest, user_id=user.id, kind="review")
    assert request.status == "completed" and "released it to your gallery" in request.answer
    assert request.handler_id == admin.id
    assert [e.action for e in rows(c, AuditEntry)][-1] == "safety_review.released"


def test_a_short_balance_is_charged_what_it_holds_and_never_goes_below_zero(containers, database_url: str) -> None:
    c, admin = studio(containers, database_url, starter_credits=2)
    user = sign_up(c)
    run(c, user, FLAGGED, num_images=2)
    run(c, user, "a red kite", num_images=2)  # spends the last 2 credits
    for review in reviews(c).mine(user):
        reviews(c).request_review(user, review.public_id)
    first, second = reviews(c).queue(admin).items
    assert reviews(c).release(admin, first.id) == 0 and reviews(c).release(admin, second.id) == 0
    assert refreshed(c, user).balance == 0 == ledger_sum(c, user)
    assert len(c.gallery.page(user).items) == 4
    assert all("balance was short" in e.reason for e in rows(c, LedgerEntry, user_id=user.id, kind="charge"))


def test_confirming_the_block_deletes_the_image_and_tells_the_user(containers, database_url: str) -> None:
    c, admin = studio(containers, database_url)
    user = sign_up(c)
    run(c, user, FLAGGED)
    [review] = reviews(c).mine(user)
    reviews(c).request_review(user, review.public_id)
    [item] = reviews(c).queue(admin).items
    reviews(c).confirm_block(admin, item.id)
    with pytest.raises(ValidationError):
        reviews(c).confirm_block(admin, item.id)
    [blocked] = reviews(c).mine(user)
    assert blocked.status == ReviewStatus.BLOCKED and "confirmed the block" in blocked.outcome
    assert owed(c) == sorted(c.withheld.keys(f"u{user.id}/"))  # the outbox removes it next
    assert c.gallery.page(user).items == [] and refreshed(c, user).balance == 20
    [request] = rows(c, PrivacyRequest, user_id=user.id, kind="review")
    assert request.status == "completed" and "confirmed the automated block" in request.answer
    assert reviews(c).queue(admin).total == 0


def test_opening_a_review_shows_image_and_prompt_and_is_audited_every_time(containers, database_url: str) -> None:
    c, admin = studio(containers, database_url)
    user = sign_up(c)
    run(c, user, FLAGGED)
    reviews(c).request_review(user, reviews(c).mine(user)[0].public_id)
    [item] = reviews(c).queue(admin).items
    opened = reviews(c).open(admin, item.id)
    reviews(c).open(admin, item.id)
    assert opened.prompt == FLAGGED and opened.data is not None and opened.data[:4] == b"\x89PNG"
    assert opened.price == 1
    views = rows(c, AuditEntry, action="safety_review.viewed")
    assert len(views) == 2 and views[0].subject == f"user:{user.id}" and views[0].actor_id == admin.id
    assert json.loads(views[0].details) == {"review": item.id}  # no prompt, no email


def test_someone_who_is_not_an_admin_cannot_open_release_or_block(containers, database_url: str) -> None:
    c, admin = studio(containers, database_url)
    user = sign_up(c)
    run(c, user, FLAGGED)
    reviews(c).request_review(user, reviews(c).mine(user)[0].public_id)
    [item] = reviews(c).queue(admin).items
    for attempt in (reviews(c).open, reviews(c).release, reviews(c).confirm_block):
        with pytest.raises(PermissionDeniedError):
            attempt(user, item.id)
    with pytest.raises(PermissionDeniedError):
        reviews(c).queue(user)
    assert [e.action for e in rows(c, AuditEntry) if e.action.startswith("safety_review.")] == []
    assert reviews(c).mine(user)[0].status == ReviewStatus.PENDING
    assert refreshed(c, user).balance == 20


def test_someone_who_opted_out_of_automated_decisions_has_every_block_reviewed(containers, database_url: str) -> None:
    c, admin = studio(containers, database_url)
    user = sign_up(c)
    assert reviews(c).set_human_review(user, True) and not reviews(c).set_human_review(user, True)
    assert reviews(c).human_review(user)
    run(c, user, FLAGGED)
    [review] = reviews(c).mine(user)
    assert review.status == ReviewStatus.PENDING and review.requested_at is not None
    assert reviews(c).queue(admin).total == 1
    kinds = sorted((r.kind, r.status) for r in rows(c, PrivacyRequest, user_id=user.id))
    assert kinds == [("objection", "completed"), ("review", "received")]
    reviews(c).set_human_review(user, False)
    assert not reviews(c).human_review(user)


def test_withheld_images_nobody_asked_about_are_deleted_after_the_retention_period(
    containers, database_url: str
) -> None:
    clock = MovableClock()
    c, _ = studio(containers, database_url, clock=clock, withheld_retention_days=30)
    user = sign_up(c)
    run(c, user, FLAGGED, num_images=2)
    asked, left = reviews(c).mine(user)
    reviews(c).request_review(user, asked.public_id)
    clock.advance(days=29)
    assert reviews(c).expire_withheld() == 0
    clock.advance(days=2)
    assert reviews(c).expire_withheld() == 1
    assert [r.public_id for r in reviews(c).mine(user)] == [asked.public_id]
    assert len(owed(c)) == 1 and owed(c)[0].startswith(f"u{user.id}/{left.public_id}.")


def test_the_withheld_image_is_lost_not_the_job_when_the_withheld_store_fails(tmp_path, database_url: str) -> None:
    settings = settings_for(tmp_path, database_url, starter_credits=20)
    engine = OfflineImageEngine(tmp_path / "engine-queue", 0)
    db = Database(make_engine(database_url))
    c = bootstrap(settings, engine=engine, db=db, blobs=InMemoryBlobStore(), withheld=FullStore())
    user = sign_up(c)
    job = run(c, user, FLAGGED)
    assert job.status == JobStatus.FAILED and job.blocked == 1 and reviews(c).mine(user) == []
    assert refreshed(c, user).balance == 20 == ledger_sum(c, user)
    db.engine.dispose()


def test_the_withheld_reviews_are_on_the_map_of_personal_data() -> None:
    from core.registry import personal_data_map

    stores = {entry.store: entry for entry in personal_data_map()}
    assert stores["table:safety_reviews"].export == "generations.json"
    assert stores["withheld:u{user}/"].export == "" and "a person releases it" in stores["withheld:u{user}/"].reason
