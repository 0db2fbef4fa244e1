"""The privacy centre's rules on SQLite and PostgreSQL: consents with their history, objection and restriction
recorded as requests, restriction stopping generation, corrections answered by an admin, what we hold by
category, and staff reads written to the audit log without what they searched for."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlmodel import col, select

from core.bootstrap import Container
from core.domain import JobStatus, UserView
from core.domain.privacy import Purpose
from core.errors import NotFoundError, PermissionDeniedError, ValidationError
from core.personal_data import Category, ErasureContext, OnErasure, PersonalData, count_rows, delete_rows
from core.registry import personal_data_map
from core.services.privacy import RESTRICTED, PrivacyService
from core.services.privacy_queue import PrivacyQueueService
from core.services.privacy_requests import RequestKind, RequestStatus, record
from db.repositories.privacy_requests import PrivacyRequestRepository
from db.tables import AuditEntry, ConsentRecord, PrivacyRequest
from tests.factories import create_form, settle, sign_up

ADMIN = "admin@example.com"


def centre(containers: Callable[..., Container], database_url: str) -> tuple[Container, PrivacyService]:
    c = containers(database_url, admin_emails=ADMIN)
    return c, c.of(PrivacyService)


def consent_rows(c: Container) -> list[ConsentRecord]:
    with c.db.reader() as uow:
        return list(uow.session.exec(select(ConsentRecord).order_by(col(ConsentRecord.id))).all())


def audit_rows(c: Container, action: str) -> list[AuditEntry]:
    with c.db.reader() as uow:
        query = select(AuditEntry).where(AuditEntry.action == action).order_by(col(AuditEntry.id))
        return list(uow.session.exec(query).all())


def generate(c: Container, user: UserView) -> JobStatus:
    job = c.generation.submit(user, create_form(), c.generation.new_token())
    return settle(c, user, job.id).status


def test_every_choice_is_off_until_the_user_turns_it_on(containers, database_url) -> None:
    c, privacy = centre(containers, database_url)
    alice = sign_up(c)
    choices = privacy.choices(alice)
    assert [choices[p] for p in Purpose] == [False] * len(Purpose)
    assert not privacy.may(alice.id, Purpose.TRAINING) and not choices.restricted
    assert privacy.consent_history(alice) == []


def test_a_change_is_one_record_with_the_policy_version_and_the_same_value_again_writes_nothing(
    containers, database_url
) -> None:
    c, privacy = centre(containers, database_url)
    alice = sign_up(c)
    assert privacy.set_choice(alice, Purpose.TRAINING, True)
    assert not privacy.set_choice(alice, Purpose.TRAINING, True)  # already on
    assert not privacy.set_choice(alice, Purpose.ANALYTICS, False)  # already off: its default
    [row] = consent_rows(c)
    assert (row.user_id, row.purpose, row.granted) == (alice.id, "training", True)
    assert (row.policy_version, row.source) == ("2026-12-01", "privacy_centre")
    assert privacy.may(alice.id, Purpose.TRAINING)

    assert privacy.set_choice(alice, Purpose.TRAINING, False)  # withdrawing is one call, like giving
    history = privacy.consent_history(alice)
    assert [(h.purpose, h.granted) for h in history] == [(Purpose.TRAINING, False), (Purpose.TRAINING, True)]
    assert history[0].title == "Use my images to train models" and history[0].policy_version == "2026-12-01"
    assert not privacy.may(alice.id, Purpose.TRAINING)


def test_switching_analytics_or_emails_off_is_an_objection_the_user_sees_in_their_requests(
    containers, database_url
) -> None:
    c, privacy = centre(containers, database_url)
    alice = sign_up(c)
    privacy.set_choice(alice, Purpose.ANALYTICS, True)
    privacy.set_choice(alice, Purpose.PRODUCT_EMAIL, True)
    privacy.set_choice(alice, Purpose.TRAINING, True)
    privacy.set_choice(alice, Purpose.TRAINING, False)  # withdrawn consent: not an objection
    assert privacy.my_requests(alice) == []
    privacy.set_choice(alice, Purpose.ANALYTICS, False)
    privacy.set_choice(alice, Purpose.PRODUCT_EMAIL, False)
    requests = privacy.my_requests(alice)
    assert [(r.kind, r.what, r.status) for r in requests] == [
        ("objection", "Objected to product emails", "completed"),
        ("objection", "Objected to analytics of my usage", "completed"),
    ]
    assert all(r.completed_at is not None and len(r.reference) == 12 for r in requests)


def test_restriction_refuses_generation_with_the_reason_and_lifting_it_lets_generation_work(
    containers, database_url
) -> None:
    c, privacy = centre(containers, database_url)
    alice = sign_up(c)
    privacy.set_choice(alice, Purpose.ANALYTICS, True)
    assert privacy.may(alice.id, Purpose.ANALYTICS)
    assert privacy.set_choice(alice, Purpose.RESTRICTION, True)
    assert not privacy.may(alice.id, Purpose.ANALYTICS)  # restriction stops even what was allowed
    assert c.generation.refusal(alice) == privacy.restriction(alice) == RESTRICTED
    with pytest.raises(ValidationError) as refused:
        c.generation.submit(alice, create_form(), c.generation.new_token())
    assert str(refused.value) == (
        "Processing of your data is restricted at your request. Lift the restriction in Privacy to generate again."
    )
    assert c.generation.recent(alice) == []  # nothing was created, nothing held
    assert c.accounts.get(alice.id).balance == 20  # type: ignore[union-attr]

    assert privacy.set_choice(alice, Purpose.RESTRICTION, False)
    assert c.generation.refusal(alice) == ""
    assert generate(c, alice) == JobStatus.SUCCEEDED
    assert privacy.may(alice.id, Purpose.ANALYTICS)
    assert [(r.kind, r.what) for r in privacy.my_requests(alice)] == [
        ("restriction", "Lifted the restriction of processing"),
        ("restriction", "Restricted processing of my data"),
    ]


def test_a_correction_request_is_answered_by_an_admin_and_the_user_reads_the_answer(containers, database_url) -> None:
    c, privacy = centre(containers, database_url)
    admin = sign_up(c, ADMIN)
    alice = sign_up(c)
    with pytest.raises(ValidationError, match="Say what is wrong"):
        privacy.ask_correction(alice, "  ")
    asked = privacy.ask_correction(alice, "My invoice address\r\nshould read Rue de la Paix 1")
    assert (asked.kind, asked.status, asked.detail) == (
        "rectification",
        "received",
        "My invoice address\nshould read Rue de la Paix 1",
    )
    queue = c.of(PrivacyQueueService)
    with pytest.raises(PermissionDeniedError):
        queue.queue(alice)
    with pytest.raises(PermissionDeniedError):
        queue.open_request(alice, asked.id)

    [queued] = queue.queue(admin)
    opened = queue.open_request(admin, queued.request.id)
    assert (opened.email, opened.request.detail) == ("alice@example.com", asked.detail)
    with pytest.raises(ValidationError, match="Write the answer"):
        queue.answer(admin, asked.id, "", RequestStatus.COMPLETED)
    queue.answer(admin, asked.id, "Corrected on your invoices from today.", RequestStatus.COMPLETED)
    with pytest.raises(ValidationError, match="already closed"):
        queue.answer(admin, asked.id, "Again", RequestStatus.DENIED)
    with pytest.raises(NotFoundError):
        queue.answer(admin, 999, "Nobody", RequestStatus.DENIED)

    [mine] = privacy.my_requests(alice)
    assert (mine.status_title, mine.answer) == ("Completed", "Corrected on your invoices from today.")
    assert mine.completed_at is not None
    [viewed] = audit_rows(c, "privacy_request.viewed")
    [answered] = audit_rows(c, "privacy_request.answered")
    assert (viewed.actor_id, viewed.subject, answered.subject) == (admin.id, f"user:{alice.id}", f"user:{alice.id}")
    assert json.loads(answered.details) == {"request": asked.id, "status": "completed"}
    assert "Rue de la Paix" not in viewed.details + answered.details  # the user's words stay out of the log


def test_the_queue_puts_open_requests_first_soonest_due_first(containers, database_url) -> None:
    c, privacy = centre(containers, database_url)
    admin = sign_up(c, ADMIN)
    alice = sign_up(c)
    queue = c.of(PrivacyQueueService)
    first = privacy.ask_correction(alice, "first thing to correct")
    privacy.set_choice(alice, Purpose.RESTRICTION, True)  # completed at once
    second = privacy.ask_correction(alice, "second thing to correct")
    queue.answer(admin, first.id, "Done.", RequestStatus.DENIED)
    third = privacy.ask_correction(alice, "third thing to correct")
    items = queue.queue(admin)
    assert [i.request.id for i in items[:2]] == [second.id, third.id]
    assert [i.request.open for i in items] == [True, True, False, False]


def test_what_we_hold_counts_each_category_from_the_map(containers, database_url) -> None:
    c, privacy = centre(containers, database_url)
    alice = sign_up(c)
    bob = sign_up(c, "bob@example.com")
    privacy.set_choice(alice, Purpose.TRAINING, True)
    privacy.set_choice(alice, Purpose.RESTRICTION, True)
    privacy.set_choice(bob, Purpose.TRAINING, True)
    held = {h.category: h for h in privacy.holdings(alice)}
    assert (held[Category.CONSENTS].count, held[Category.REQUESTS].count) == (2, 1)
    assert held[Category.CONSENTS].title == "Consents" and held[Category.CONSENTS].holds
    assert held[Category.REQUESTS].region == c.settings.data_region

    # Whatever another capability declares is counted the same way: two images under "Prompts and images".
    privacy.set_choice(alice, Purpose.RESTRICTION, False)
    assert generate(c, alice) == JobStatus.SUCCEEDED and generate(c, alice) == JobStatus.SUCCEEDED
    images = PersonalData(
        "table:images", Category.CREATIONS, "Your images", "images/", OnErasure.DELETE, 5, delete_rows("images"),
        count_rows("images"), processors=("fal.ai: prompts and images",),
    )  # fmt: skip
    mapped = PrivacyService(c.db, c.clock, [images], policy_version=lambda: "1", data_region="EU (Frankfurt)")
    [creations] = mapped.holdings(alice)
    assert (creations.title, creations.count, creations.region) == ("Prompts and images", 2, "EU (Frankfurt)")
    assert creations.processors == ("fal.ai: prompts and images",)


def test_erasure_keeps_only_the_erasure_request_with_nothing_that_names_the_user(containers, database_url) -> None:
    c, privacy = centre(containers, database_url)
    alice = sign_up(c)
    bob = sign_up(c, "bob@example.com")
    privacy.ask_correction(alice, "my name is spelled wrong")
    privacy.ask_correction(bob, "bob's own request")
    now = datetime.now(UTC)
    with c.db.uow() as uow:
        kept = record(uow, alice.id, RequestKind.ERASURE, now, artifact="RECEIPT1").reference
        uow.commit()
    [entry] = [e for e in personal_data_map() if e.store == "table:privacy_requests"]
    with c.db.uow() as uow:
        assert entry.erase(ErasureContext(uow, alice.id, "RECEIPT1", now, pseudonym_id=0)) == 2
        uow.commit()
    with c.db.reader() as uow:
        rows = list(uow.session.exec(select(PrivacyRequest).order_by(col(PrivacyRequest.id))).all())
        assert uow.of(PrivacyRequestRepository).for_user(alice.id) == []
    assert [(r.reference, r.user_id, r.detail, r.answer) for r in rows if r.kind == "erasure"] == [(kept, None, "", "")]
    assert [r.user_id for r in rows if r.kind != "erasure"] == [bob.id]


def test_staff_reads_of_the_users_list_and_a_user_are_audited_without_what_was_searched(
    containers, database_url
) -> None:
    c, _ = centre(containers, database_url)
    admin = sign_up(c, ADMIN)
    alice = sign_up(c)
    page = c.admin.users(admin, "alice@example")
    assert [r.email for r in page.items] == ["alice@example.com"]
    c.admin.users(admin, "alice@example", audited=False)  # the same search again, on a rerun
    [searched] = audit_rows(c, "users.searched")
    assert searched.actor_id == admin.id
    assert json.loads(searched.details) == {"results": 1, "query_chars": 13}
    assert "alice" not in searched.details + searched.subject

    row = c.admin.user(admin, alice.id)
    assert (row.email, row.image_count) == ("alice@example.com", 0)
    [viewed] = audit_rows(c, "user.viewed")
    assert (viewed.actor_id, viewed.subject) == (admin.id, f"user:{alice.id}")
    with pytest.raises(PermissionDeniedError):
        c.admin.user(alice, admin.id)
    assert len(audit_rows(c, "user.viewed")) == 1
