"""Admin → Privacy queue on SQLite and PostgreSQL: a request received by email logged on the user's behalf and
emailed about, the queue sorted by deadline with its marks, an extension with a reason (the user is emailed the
new date; a second one beyond two months is refused), a denial needs its reason, a completion is emailed; the
auditors' CSVs are formula-safe and audited; an export run for a user is theirs alone to download and is swept
when it expires; an erasure run for a user is scheduled with the normal grace period; a non-admin is refused."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from core.bootstrap import Container
from core.domain.privacy import Purpose
from core.domain.privacy_requests import RequestStatus, Urgency
from core.errors import NotFoundError, PermissionDeniedError, ValidationError
from core.registry import retention_rules
from core.services.auditor_csv import AuditorCsvService
from core.services.erasure import ErasureService
from core.services.privacy import PrivacyService
from core.services.privacy_fulfilment import PrivacyFulfilmentService
from core.services.privacy_queue import PrivacyQueueService
from core.services.privacy_requests import RequestKind
from core.services.stored_exports import StoredExportService
from core.web.stored_export_routes import stored_export_routes
from db.repositories.email_outbox import EmailOutboxRepository
from db.tables import AuditEntry, Erasure, PendingDeletion, StoredExport
from tests.factories import MovableClock, make_container, sign_up

ADMIN = "admin@example.com"
START = datetime(2028, 2, 10, 9, 0, tzinfo=UTC)  # the month of 29 February 2028


def setup(tmp_path, database_url):  # type: ignore[no-untyped-def]
    clock = MovableClock(START)
    c = make_container(tmp_path, database_url, clock=clock, admin_emails=ADMIN, erasure_grace_days=7)
    return c, clock, sign_up(c, ADMIN), sign_up(c)


def queue(c: Container) -> PrivacyQueueService:
    return c.of(PrivacyQueueService)


def emails(c: Container, user_id: int) -> list[tuple[str, str]]:
    """The user's queued messages, oldest first: (kind, body)."""
    with c.db.reader() as uow:
        return [(m.kind, m.body) for m in reversed(uow.of(EmailOutboxRepository).for_user(user_id))]


def audit_actions(c: Container) -> list[str]:
    with c.db.reader() as uow:
        query = select(AuditEntry.action).where(col(AuditEntry.actor_id).is_not(None)).order_by(col(AuditEntry.id))
        return list(uow.session.exec(query).all())


def test_a_request_by_email_is_logged_queued_by_deadline_extended_denied_only_with_a_reason_and_completed(
    tmp_path, database_url
) -> None:
    c, clock, admin, alice = setup(tmp_path, database_url)
    bob = sign_up(c, "bob@example.com")
    q = queue(c)
    with pytest.raises(NotFoundError, match="No account has that email"):
        q.log_request(admin, "nobody@example.com", RequestKind.ACCESS, "Send me my data please", "email")
    logged = q.log_request(admin, " Alice@Example.com ", RequestKind.OTHER, "Who did you share my data with?", "post")
    assert (logged.status, logged.channel, logged.due_at) == ("received", "post", START + timedelta(days=30))
    [(kind, body)] = emails(c, alice.id)
    assert kind == "request_received" and f"answer by {START + timedelta(days=30):%Y-%m-%d %H:%M} UTC" in body

    clock.advance(hours=1)
    urgent = q.log_request(admin, "bob@example.com", RequestKind.OTHER, "My account was hacked!", "email", urgent=True)
    assert urgent.due_at == START + timedelta(hours=73)  # 72 hours after it was logged
    clock.advance(days=1)
    items = q.queue(admin)
    assert [i.request.reference for i in items] == [urgent.reference, logged.reference]  # soonest due first
    assert [(i.mark.urgency, i.mark.words) for i in items] == [
        (Urgency.SOON, "Due in 2 days"),
        (Urgency.LATER, "Due in 28 days"),
    ]

    q.start(admin, logged.id)
    with pytest.raises(ValidationError, match="Only a received request"):
        q.start(admin, logged.id)
    assert q.extension(admin, logged.id, 1) == datetime(2028, 4, 11, 9, 0, tzinfo=UTC)  # nothing written yet
    with pytest.raises(ValidationError, match="reason"):
        q.extend(admin, logged.id, 1, "")
    extended = q.extend(admin, logged.id, 2, "We are gathering records from our payment provider.")
    assert (extended.status, extended.due_at) == ("extended", datetime(2028, 5, 11, 9, 0, tzinfo=UTC))
    assert extended.original_due_at == START + timedelta(days=30)
    kind, body = emails(c, alice.id)[-1]
    assert kind == "request_extended" and "We will answer by 2028-05-11 09:00 UTC" in body
    assert "We are gathering records from our payment provider." in body
    with pytest.raises(ValidationError, match="already extended to 2028-05-11 09:00 UTC, the furthest allowed"):
        q.extend(admin, logged.id, 2, "Still more time, please")

    with pytest.raises(ValidationError, match="Write the answer"):
        q.answer(admin, urgent.id, " ", RequestStatus.DENIED)
    q.answer(admin, urgent.id, "We found no access by anyone else; your password is reset.", RequestStatus.DENIED)
    q.answer(admin, logged.id, "Only our payment provider, Stripe, for your payments.", RequestStatus.COMPLETED)
    with pytest.raises(ValidationError, match="already closed"):
        q.answer(admin, logged.id, "Again", RequestStatus.COMPLETED)
    kind, body = emails(c, alice.id)[-1]
    assert kind == "request_completed" and "is completed" in body and "Stripe" in body
    assert "is denied" in emails(c, bob.id)[-1][1]
    assert [i.request.open for i in q.queue(admin)] == [False, False] and q.queue(admin, open_only=True) == []
    [mine] = c.of(PrivacyService).my_requests(alice)
    assert (mine.status_title, mine.extension_reason) == (
        "Completed",
        "We are gathering records from our payment provider.",
    )
    assert audit_actions(c) == [
        "privacy_request.logged", "privacy_request.logged", "privacy_request.started", "privacy_request.extended",
        "privacy_request.answered", "privacy_request.answered",
    ]  # fmt: skip


def test_an_overdue_request_is_marked_so_and_self_service_ones_are_due_when_made(tmp_path, database_url) -> None:
    c, clock, admin, alice = setup(tmp_path, database_url)
    c.of(PrivacyService).set_choice(alice, Purpose.RESTRICTION, True)  # completed at once
    asked = c.of(PrivacyService).ask_correction(alice, "My name is spelled wrong on invoices")
    clock.advance(days=31)
    items = queue(c).queue(admin)
    assert [(i.request.reference, i.mark.words) for i in items][0] == (asked.reference, "Overdue by 24 hours")
    done = items[1].request
    assert done.due_at == done.received_at == START and items[1].mark.urgency == Urgency.DONE


def test_the_auditors_csvs_are_formula_safe_and_making_each_is_audited(tmp_path, database_url) -> None:
    c, _, admin, alice = setup(tmp_path, database_url)
    queue(c).log_request(admin, alice.email, RequestKind.OTHER, '=HYPERLINK("http://evil.example","click")', "email")
    c.of(PrivacyService).set_choice(alice, Purpose.ANALYTICS, True)
    auditor = c.of(AuditorCsvService)
    with pytest.raises(PermissionDeniedError):
        auditor.requests_csv(alice)
    rows = list(csv.DictReader(io.StringIO(auditor.requests_csv(admin).decode("utf-8-sig"))))
    assert [r["detail"] for r in rows] == ['\'=HYPERLINK("http://evil.example","click")']  # shown as text, inert
    assert (rows[0]["kind"], rows[0]["channel"], rows[0]["status"]) == ("other", "email", "received")
    consents = list(csv.DictReader(io.StringIO(auditor.consents_csv(admin).decode("utf-8-sig"))))
    assert [(r["user_id"], r["purpose"], r["granted"]) for r in consents] == [(str(alice.id), "analytics", "yes")]
    with c.db.reader() as uow:
        entries = uow.session.exec(select(AuditEntry).where(col(AuditEntry.action).like("%csv_exported"))).all()
        assert [(e.action, json.loads(e.details)) for e in entries] == [
            ("privacy_requests.csv_exported", {"rows": 1}),
            ("consents.csv_exported", {"rows": 1}),
        ]


def test_an_export_run_for_a_user_is_theirs_alone_to_download_and_is_swept_when_it_expires(
    tmp_path, database_url
) -> None:
    c, clock, admin, alice = setup(tmp_path, database_url)
    bob = sign_up(c, "bob@example.com")
    asked = queue(c).log_request(admin, alice.email, RequestKind.ACCESS, "Please send me all my data", "email")
    other = queue(c).log_request(admin, alice.email, RequestKind.OTHER, "Something else entirely", "email")
    fulfil = c.of(PrivacyFulfilmentService)
    with pytest.raises(PermissionDeniedError):
        fulfil.run_export(bob, asked.id)
    with pytest.raises(ValidationError, match="Only an access request"):
        fulfil.run_export(admin, other.id)
    done = fulfil.run_export(admin, asked.id)
    assert done.status == "completed" and f"exports/{asked.reference}.zip" == done.artifact
    assert "Download it from your privacy centre" in done.answer
    assert emails(c, alice.id)[-1][0] == "request_completed"

    stored = c.of(StoredExportService)
    assert stored.ready(bob) == {}
    ready = stored.ready(alice)[asked.reference]
    client = TestClient(Starlette(routes=stored_export_routes(lambda: c)))
    got = client.get(ready.url)
    assert got.status_code == 200 and int(got.headers["content-length"]) == ready.size_bytes
    assert "profile.json" in zipfile.ZipFile(io.BytesIO(got.content)).namelist()
    as_bob = ready.url.replace(f"user={alice.id}", f"user={bob.id}")
    assert client.get(as_bob).status_code == 403  # the signature covers the user
    bobs_own = stored.signer.url("stored", bob.id, bob.session_version, f"ref={asked.reference}")
    assert client.get(bobs_own).status_code == 403  # a link bob can sign for himself names nothing of his

    [orphans] = [r for r in retention_rules() if r.name == "orphan_blobs"]
    orphans.run(c, clock())
    clock.advance(hours=2)
    orphans.run(c, clock())  # its row names it: the orphan sweep leaves it alone
    assert c.blobs.exists(f"exports/{asked.reference}.zip")

    clock.advance(days=c.settings.export_retention_days, seconds=1)
    assert stored.ready(alice) == {} and client.get(ready.url).status_code == 403
    [rule] = [r for r in retention_rules() if r.name == "exports"]
    assert "7 days" in rule.describe(c.settings)
    assert rule.run(c, clock()) == 1
    with c.db.reader() as uow:
        assert uow.session.exec(select(StoredExport)).all() == []
        owed = uow.session.exec(select(PendingDeletion.target)).all()
    assert owed == [f"exports/{asked.reference}.zip"]


def test_an_erasure_run_for_a_user_is_scheduled_with_the_grace_period_and_completes_the_request(
    tmp_path, database_url
) -> None:
    c, _, admin, alice = setup(tmp_path, database_url)
    asked = queue(c).log_request(admin, alice.email, RequestKind.ERASURE, "Delete my account, please", "post")
    fulfil = c.of(PrivacyFulfilmentService)
    with pytest.raises(PermissionDeniedError):
        fulfil.run_erasure(alice, asked.id)
    done = fulfil.run_erasure(admin, asked.id)
    scheduled = c.of(ErasureService).scheduled(alice)
    assert scheduled is not None and scheduled.erase_after == START + timedelta(days=7)
    assert (done.status, done.artifact) == ("completed", scheduled.reference)
    assert f"Receipt reference: {scheduled.reference}" in done.answer
    with c.db.reader() as uow:
        assert len(uow.session.exec(select(Erasure)).all()) == 1
    assert "privacy_request.erasure_run" in audit_actions(c)
    with pytest.raises(ValidationError, match="not open any more"):
        fulfil.run_erasure(admin, asked.id)


def test_a_non_admin_is_refused_every_queue_action(tmp_path, database_url) -> None:
    c, _, admin, alice = setup(tmp_path, database_url)
    asked = c.of(PrivacyService).ask_correction(alice, "My name is spelled wrong")
    q = queue(c)
    for action in (
        lambda: q.queue(alice),
        lambda: q.open_request(alice, asked.id),
        lambda: q.log_request(alice, alice.email, RequestKind.OTHER, "on my own behalf", "email"),
        lambda: q.start(alice, asked.id),
        lambda: q.answer(alice, asked.id, "Done myself", RequestStatus.COMPLETED),
        lambda: q.extend(alice, asked.id, 1, "I want more time"),
        lambda: c.of(AuditorCsvService).consents_csv(alice),
    ):
        with pytest.raises(PermissionDeniedError):
            action()
    assert [i.request.status for i in q.queue(admin)] == ["received"]
