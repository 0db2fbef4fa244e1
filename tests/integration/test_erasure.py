"""Account erasure, on SQLite and PostgreSQL: scheduling takes the account's address typed to confirm and can be
canceled in the grace period; a grace of 0 erases at the next run of the loop; the account's sign-ins end; the
receipt names no one and is given to whoever quotes its reference; kept orders sit on a tombstone no one can sign
in as and that the admin list does not show; the audit log lets a name be cleared and nothing else."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import text
from sqlmodel import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from core.errors import NotFoundError, SessionEndedError, ValidationError
from core.identity import NO_CLIENT, Identity, session_key
from core.registry import personal_data_map
from core.services.erasure import ErasureService
from core.web.erasure_routes import erasure_routes, receipt_url
from db.tables import AuditEntry, EndedSession, Generation, PrivacyRequest, SafetyReview
from tests.factories import MovableClock, make_container, sign_up

EMAIL = "erin.erasable@example.com"


def container(tmp_path, database_url, grace_days: int = 7, clock=None):  # type: ignore[no-untyped-def]
    return make_container(
        tmp_path,
        database_url,
        clock=clock or MovableClock(),
        erasure_grace_days=grace_days,
        admin_emails="boss@example.com",
    )


def requests_of(c, reference: str) -> list[PrivacyRequest]:  # type: ignore[no-untyped-def]
    with c.db.reader() as uow:
        return list(uow.session.exec(select(PrivacyRequest).where(PrivacyRequest.artifact == reference)).all())


def test_deleting_an_account_needs_its_address_typed_and_can_be_canceled_in_the_grace_period(
    tmp_path, database_url
) -> None:
    clock = MovableClock()
    c = container(tmp_path, database_url, clock=clock)
    user = sign_up(c, EMAIL)
    erasures = c.of(ErasureService)
    with pytest.raises(ValidationError, match="erin.erasable@example.com"):
        erasures.schedule(user, "someone.else@example.com")
    assert erasures.scheduled(user) is None

    scheduled = erasures.schedule(user, "  Erin.Erasable@EXAMPLE.com ")
    assert (scheduled.erase_after - scheduled.requested_at).days == 7
    assert erasures.schedule(user, EMAIL) == scheduled  # asking twice keeps the first date
    clock.advance(days=6)
    assert erasures.run_due() == 0
    assert c.accounts.get(user.id) is not None

    assert erasures.cancel(user) is True
    assert erasures.scheduled(user) is None
    clock.advance(days=2)
    assert erasures.run_due() == 0
    assert c.accounts.get(user.id) is not None  # kept
    (request,) = requests_of(c, scheduled.reference)
    assert (request.kind, request.status) == ("erasure", "canceled")
    with pytest.raises(NotFoundError):
        erasures.receipt(scheduled.reference)


def test_a_grace_of_zero_erases_at_the_next_run_and_ends_every_sign_in(tmp_path, database_url) -> None:
    c = container(tmp_path, database_url, grace_days=0)
    user = sign_up(c, EMAIL)
    session = c.accounts.sign_in_local(EMAIL).session_key
    erasures = c.of(ErasureService)
    scheduled = erasures.schedule(user, EMAIL)

    assert erasures.run_due() == 1
    assert c.accounts.get(user.id) is None
    with pytest.raises(SessionEndedError):
        c.accounts.resume_local(session)
    receipt = erasures.receipt(scheduled.reference.lower())
    assert receipt.finished and receipt.still_owed == 0
    assert receipt.totals()["Database"] >= 3  # the account, its two sign-ins
    assert EMAIL not in receipt.as_json() and json.loads(receipt.as_json())["reference"] == scheduled.reference
    (request,) = requests_of(c, scheduled.reference)
    assert (request.user_id, request.status) == (None, "completed")
    assert erasures.run_due() == 0  # nothing left to do


def test_the_receipt_route_gives_the_receipt_to_whoever_quotes_its_reference(tmp_path, database_url) -> None:
    c = container(tmp_path, database_url, grace_days=0)
    user = sign_up(c, EMAIL)
    erasures = c.of(ErasureService)
    reference = erasures.schedule(user, EMAIL).reference
    erasures.run_due()
    client = TestClient(Starlette(routes=erasure_routes(lambda: c)))

    found = client.get(receipt_url(reference))
    assert found.status_code == 200 and found.headers["cache-control"] == "no-store"
    body = found.json()
    assert body["reference"] == reference and body["status"] == "finished"
    assert "erin" not in found.text.lower()
    assert client.get(receipt_url(reference.lower())).json()["reference"] == reference  # as quoted by hand
    for hostile in ("NOSUCHREFERENCE", "0" * 16, "%00" + reference, "A" * 5000, "%F0%9F%90%B1", "%E2%80%AE" * 9):
        refused = client.get(receipt_url(hostile))
        assert refused.status_code == 404 and refused.json() == {"error": "No account erasure has that reference."}


def test_kept_orders_sit_on_a_tombstone_nobody_can_sign_in_as_and_admins_do_not_see_as_a_person(
    tmp_path, database_url
) -> None:
    c = container(tmp_path, database_url, grace_days=0)
    admin = sign_up(c, "boss@example.com")
    user = sign_up(c, EMAIL)
    c.billing.buy(user, "pack-starter", "demo", "http://localhost:8501", c.billing.new_token())
    before = {row.id for row in c.admin.users(admin).items}
    erasures = c.of(ErasureService)
    erasures.schedule(user, EMAIL)
    erasures.run_due()

    listed = c.admin.users(admin).items
    assert {row.id for row in listed} == before - {user.id}
    with c.db.reader() as uow:
        tombstone = uow.session.execute(
            text("SELECT id, email, issuer, role, balance FROM users WHERE role = 'erased'")
        ).one()
        orders = uow.session.execute(text("SELECT user_id FROM orders")).scalars().all()
        ledger = uow.session.execute(
            text(f"SELECT user_id, kind, delta FROM ledger_entries WHERE user_id <> {admin.id}")
        ).all()
    assert tombstone.email == "" and tombstone.issuer == "erased"
    assert orders == [tombstone.id]
    assert {(row.user_id, row.kind) for row in ledger} == {(tombstone.id, "purchase")}
    assert tombstone.balance == sum(row.delta for row in ledger)  # the tombstone's books balance
    with c.db.reader() as uow:  # no sign-in names it, and no identity provider has its issuer
        assert uow.session.execute(text(f"SELECT count(*) FROM sign_ins WHERE user_id = {tombstone.id}")).scalar() == 0


def test_the_audit_log_lets_a_name_be_cleared_and_nothing_else(tmp_path, database_url) -> None:
    c = container(tmp_path, database_url, grace_days=0)
    admin = sign_up(c, "boss@example.com")
    user = sign_up(c, EMAIL)
    c.admin.adjust_credits(admin, user.id, 5, "a goodwill gesture", c.billing.new_token())
    erasures = c.of(ErasureService)
    erasures.schedule(user, EMAIL)
    erasures.run_due()
    with c.db.reader() as uow:
        rows = uow.session.execute(
            text("SELECT actor_id, subject FROM audit_log WHERE action = 'credits.adjusted'")
        ).all()
    assert [(row.actor_id, row.subject) for row in rows] == [(admin.id, "user:erased")]

    for change in (
        "UPDATE audit_log SET subject = 'user:999'",
        "UPDATE audit_log SET action = 'nothing.happened'",
        "UPDATE audit_log SET actor_id = 999",
        "DELETE FROM audit_log",
    ):
        with pytest.raises(Exception, match="append-only"), c.db.uow() as uow:
            uow.session.execute(text(change))
            uow.commit()


def test_the_registered_erasure_runs_every_store_of_the_map_and_ends_with_the_account(tmp_path, database_url) -> None:
    c = container(tmp_path, database_url)
    stores = [entry.store for entry in c.of(ErasureService).entries()]
    assert stores == [entry.store for entry in personal_data_map()]
    assert stores[-1] == "table:users" and len(set(stores)) == len(stores)


def test_an_erased_staff_member_is_named_by_none_of_the_decisions_they_made(tmp_path, database_url) -> None:
    """Staff decide other people's reviews and requests; erasing the staff member keeps those decisions (the
    other users' records) and clears who made them."""
    c = container(tmp_path, database_url, grace_days=0)
    boss = c.accounts.sign_in_local("boss@example.com").user
    bob = sign_up(c, "bob@example.com")
    c.admin.adjust_credits(boss, bob.id, 5, "Goodwill", "boss-5")
    with c.db.uow() as uow:
        job = Generation(
            id="f" * 32, user_id=bob.id, kind="text_to_image", status="completed", prompt="a cat", model="m",
            aspect_ratio="1:1", seed=1, num_images=1, output_format="png", cost=1,
        )  # fmt: skip
        uow.session.add(job)
        uow.flush()
        uow.session.add(
            SafetyReview(
                public_id="r" * 32, user_id=bob.id, generation_id=job.id, status="blocked", reviewer_id=boss.id
            )
        )
        uow.session.add(
            PrivacyRequest(reference="REQ1", user_id=bob.id, kind="other", status="completed", handler_id=boss.id)
        )
        uow.commit()

    c.of(ErasureService).schedule(boss, "boss@example.com")
    assert c.of(ErasureService).run_due() == 1

    with c.db.reader() as uow:
        review = uow.session.exec(select(SafetyReview)).one()
        request = uow.session.exec(select(PrivacyRequest).where(PrivacyRequest.reference == "REQ1")).one()
        actors = {row.actor_id for row in uow.session.exec(select(AuditEntry)).all()}
    assert (review.status, review.reviewer_id, review.user_id) == ("blocked", None, bob.id)
    assert (request.status, request.handler_id, request.user_id) == ("completed", None, bob.id)
    assert boss.id not in actors


def test_the_providers_cookie_of_an_erased_account_says_so_and_a_new_sign_in_starts_a_new_account(
    tmp_path, database_url
) -> None:
    """Streamlit's sign-in cookie outlives the account: the next page run must not quietly sign its holder up
    again, but say the account was deleted; signing in again (a new token) makes a new, empty account."""
    clock = MovableClock()
    c = container(tmp_path, database_url, grace_days=0, clock=clock)

    def token(issued: datetime) -> Identity:
        return Identity(
            issuer="https://idp.example.test", subject="erin-42", email=EMAIL, email_verified=True, name="Erin",
            picture="", issued_at=issued,
            session_key=session_key("https://idp.example.test", "erin-42", issued.isoformat()),
        )  # fmt: skip

    old = token(clock())
    erin = c.accounts.resume(old, NO_CLIENT).user
    c.of(ErasureService).schedule(erin, EMAIL)
    assert c.of(ErasureService).run_due() == 1

    with pytest.raises(SessionEndedError, match="deleted at your request") as ended:
        c.accounts.resume(old, NO_CLIENT)
    assert ended.value.reason == "erased"
    clock.advance(minutes=1)
    fresh = c.accounts.resume(token(clock()), NO_CLIENT).user
    assert fresh.id != erin.id and c.credits.balance(fresh) == c.settings.starter_credits
    clock.advance(days=31)
    assert c.accounts.sweep_sign_ins() >= 0
    with c.db.reader() as uow:
        assert uow.session.exec(select(EndedSession)).all() == []  # kept only while the old cookie could live
