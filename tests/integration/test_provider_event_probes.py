"""The probe's findings on provider events, each as a test, on SQLite and PostgreSQL: a negative dispute that added
credits, a refund far above its order, signed events that got a 500, payload text in the log; and the rules that
close them (money back capped at the order, malformed events recorded once for admins, badly signed ones not at
all, the return page refusing an answer it cannot read, and nothing from a payload in the log)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from core.bootstrap import Container
from core.domain import AuditFilter
from core.domain.billing import OrderStatus
from core.errors import PaymentError
from core.web.payment_webhooks import payment_webhook_routes
from db.tables import PaymentEventRecord
from tests.billing_support import assert_billing_balances, order_row, pending_order
from tests.creem_server import CreemServer
from tests.factories import sign_up
from tests.integration.provider_event_cases import (
    PACK_CREDITS,
    STARTER,
    Scene,
    all_logged,
    log_everything,
    rejections,
    signed,
    snapshot,
    stage,
)
from tests.integration.provider_event_payloads import creem_checkout, creem_money_back, stripe_charge, stripe_dispute
from tests.integration.provider_event_payloads import stripe_session as session
from tests.local_http import LocalHttpServer, Received, Reply, json_reply
from tests.payment_support import payment_settings, webhook_client
from tests.stripe_server import StripeServer

ADMIN = "admin@example.com"


class Shop:
    """A container taking Stripe and Creem webhooks, and a way to post them signed as each provider signs."""

    def __init__(self, c: Container, secrets: dict[str, str]) -> None:
        self.c, self.secrets, self.client = c, secrets, webhook_client(c)
        self.n = 0

    def scene(self, provider: str, state: str) -> Scene:
        self.n += 1
        return stage(self.c, provider, state, self.n)

    def post(self, provider: str, event: dict[str, Any]) -> tuple[int, str]:
        body, headers = signed(provider, self.secrets[provider], event)
        answer = self.client.post(f"/api/webhooks/{provider}", content=body, headers=headers)
        return answer.status_code, answer.text

    def admin_records(self, action: str = "billing.event_rejected") -> list[dict[str, Any]]:
        """What an admin sees on Admin → Audit log, filtered by action."""
        admin = sign_up(self.c, ADMIN)
        return [json.loads(e.details) for e in self.c.admin.audit_log(admin, AuditFilter(action=action)).items]


@pytest.fixture
def shop(
    database_url: str, containers: Callable[..., Container], stripe_server: StripeServer, creem_server: CreemServer
) -> Shop:
    c = containers(database_url, admin_emails=ADMIN, **payment_settings(stripe_server, creem_server))
    return Shop(c, {"stripe": stripe_server.webhook_secret, "creem": creem_server.webhook_secret})


def stripe_event(kind: str, obj: dict[str, Any], event_id: str = "evt_probe") -> dict[str, Any]:
    return {"id": event_id, "object": "event", "type": kind, "data": {"object": obj}}


def creem_event(kind: str, obj: dict[str, Any], event_id: str = "evt_probe") -> dict[str, Any]:
    return {"id": event_id, "eventType": kind, "created_at": 1_800_000_000_000, "object": obj}


# -- the probe's four cases, as it found them ----------------------------------------------------------------------


@pytest.mark.parametrize("provider", ["stripe", "creem"])
def test_a_signed_dispute_with_amount_minus_500_is_refused_and_adds_no_credits(
    shop: Shop, provider: str, caplog: pytest.LogCaptureFixture
) -> None:
    log_everything(caplog)
    scene = shop.scene(provider, "pack_paid")
    books = snapshot(shop.c, scene.user)
    if provider == "stripe":
        event = stripe_event("charge.dispute.created", {**stripe_dispute(scene), "amount": -500})
    else:
        event = creem_event("dispute.created", {**creem_money_back(scene, dispute=True), "amount": -500})
    assert [shop.post(provider, event) for _ in range(2)] == [(400, "Malformed event.")] * 2
    assert snapshot(shop.c, scene.user) == books  # before the fix: 1,000 credits more, as if the dispute was won
    assert books[0] == PACK_CREDITS
    [record] = shop.admin_records()
    assert record == {
        "provider": provider,
        "event": "evt_probe",
        "type": "charge.dispute.created" if provider == "stripe" else "dispute.created",
        "reason": "data.object.amount must be at least 1"
        if provider == "stripe"
        else "object.amount must be at least 1",
    }
    assert "-500" not in all_logged(caplog)


@pytest.mark.parametrize("provider", ["stripe", "creem"])
def test_a_refund_of_99999999_cents_on_a_5_dollar_order_is_capped_at_the_order(shop: Shop, provider: str) -> None:
    scene = shop.scene(provider, "pack_paid")
    if provider == "stripe":
        event = stripe_event("charge.refunded", {**stripe_charge(scene), "amount_refunded": 99_999_999})
    else:
        obj = creem_money_back(scene)
        obj["transaction"]["refunded_amount"] = obj["refund_amount"] = 99_999_999
        event = creem_event("refund.created", obj)
    assert shop.post(provider, event) == (200, "applied")
    row = order_row(shop.c, scene.order)
    assert (row.amount_refunded, row.amount, row.status) == (500, 500, OrderStatus.REFUNDED)
    assert row.credits_clawed_back == PACK_CREDITS  # all it granted, never more
    assert snapshot(shop.c, scene.user)[0] == 0
    [capped] = shop.admin_records("billing.amount_capped")
    assert (capped["reported"], capped["capped_at"], capped["order"]) == (99_999_999, 500, scene.order)
    assert_billing_balances(shop.c, scene.user)


@pytest.mark.parametrize("provider", ["stripe", "creem"])
def test_signed_events_with_a_missing_id_no_data_or_amount_total_abc_get_400_not_500(
    shop: Shop, provider: str, caplog: pytest.LogCaptureFixture
) -> None:
    log_everything(caplog)
    scene = shop.scene(provider, "pack_pending")
    books = snapshot(shop.c, scene.user)
    if provider == "stripe":
        paid = stripe_event("checkout.session.completed", session(scene))
        no_id = {k: v for k, v in paid.items() if k != "id"}
        no_data = {k: v for k, v in paid.items() if k != "data"} | {"id": "evt_no_data"}
        abc = stripe_event("checkout.session.completed", {**session(scene), "amount_total": "abc"}, "evt_abc")
    else:
        paid = creem_event("checkout.completed", creem_checkout(scene))
        no_id = {k: v for k, v in paid.items() if k != "id"}
        no_data = {k: v for k, v in paid.items() if k != "object"} | {"id": "evt_no_data"}
        broken = creem_checkout(scene)
        broken["order"]["amount"] = "abc"  # Creem's amount_total is its order's amount
        abc = creem_event("checkout.completed", broken, "evt_abc")
    for event in (no_id, no_data, abc):
        assert [shop.post(provider, event) for _ in range(2)] == [(400, "Malformed event.")] * 2
    assert snapshot(shop.c, scene.user) == books
    records = shop.admin_records()[::-1]  # oldest first
    assert [(r["event"], r["provider"]) for r in records] == [
        ("", provider),
        ("evt_no_data", provider),
        ("evt_abc", provider),
    ]
    assert [r["reason"].split(" ", 1)[1] for r in records] == ["is missing", "is missing", "is not a whole number"]


def test_a_refunded_amount_holding_an_email_never_reaches_the_log(shop: Shop, caplog: pytest.LogCaptureFixture) -> None:
    log_everything(caplog)
    scene = shop.scene("creem", "pack_paid")
    books = snapshot(shop.c, scene.user)
    obj = creem_money_back(scene)
    obj["transaction"]["refunded_amount"] = "alice@example.com"
    assert shop.post("creem", creem_event("refund.created", obj)) == (400, "Malformed event.")
    assert snapshot(shop.c, scene.user) == books
    [record] = shop.admin_records()
    assert record["reason"] == "object.transaction.refunded_amount is not a whole number"
    assert caplog.records, "the check needs log records to look at"
    assert "alice@" not in all_logged(caplog)


# -- the rules around them -----------------------------------------------------------------------------------------


def test_a_dispute_above_the_order_amount_holds_back_the_order_and_no_more(shop: Shop) -> None:
    scene = shop.scene("stripe", "pack_paid")
    assert shop.post("stripe", stripe_event("charge.dispute.created", {**stripe_dispute(scene), "amount": 750})) == (
        200,
        "applied",
    )
    row = order_row(shop.c, scene.order)
    assert (row.dispute_amount, row.credits_clawed_back, row.status) == (500, PACK_CREDITS, OrderStatus.DISPUTED)
    assert snapshot(shop.c, scene.user)[0] == 0
    assert_billing_balances(shop.c, scene.user)


def test_a_malformed_event_is_recorded_once_with_a_safe_id_and_type_and_a_badly_signed_one_not_at_all(
    shop: Shop, caplog: pytest.LogCaptureFixture
) -> None:
    log_everything(caplog)
    scene = shop.scene("stripe", "pack_pending")
    hostile = stripe_event("checkout.session.completed", {**session(scene), "currency": "mallory@evil.example"})
    for _ in range(3):  # the provider retries it
        assert shop.post("stripe", hostile) == (400, "Malformed event.")
    odd = stripe_event("x" * 70, session(scene), "evt_" + "\u202e" * 3)  # neither id nor type is a safe one
    assert shop.post("stripe", odd)[0] == 400
    body, headers = signed("stripe", "whsec_not_ours", stripe_event("charge.dispute.created", {"amount": -500}))
    unsigned = shop.client.post("/api/webhooks/stripe", content=body, headers=headers)
    assert (unsigned.status_code, unsigned.text) == (400, "Bad signature.")
    records = shop.admin_records()
    assert [(r["event"], r["type"]) for r in records] == [("", ""), ("evt_probe", "checkout.session.completed")]
    assert (
        records[1]["reason"]
        == "data.object.currency is not in the expected form (letters, digits and a few signs, of a bounded length)"
    )
    assert "mallory" not in all_logged(caplog) and "\u202e" not in all_logged(caplog)
    assert len(rejections(shop.c)) == 2


def test_a_refund_waiting_since_before_amounts_were_checked_is_set_aside_when_its_payment_arrives(shop: Shop) -> None:
    user = sign_up(shop.c, "early@example.com")
    order = pending_order(shop.c, user, "stripe", checkout="cs_early")
    with shop.c.db.uow() as uow:  # as an older version kept it: a negative refund, waiting for its payment
        waiting = {
            "provider": "stripe",
            "kind": "refunded",
            "payment": "pi_early",
            "refunded": -500,
            "period_end": None,
        }
        uow.billing.record_event(
            PaymentEventRecord(
                provider="stripe",
                event_id="evt_old",
                type="charge.refunded",
                state="waiting",
                payment_ref="pi_early",
                payload=waiting,
            )
        )
        uow.commit()
    paid = {**session(Scene(user, order, 0)), "id": "cs_early", "payment_intent": "pi_early"}
    assert shop.post("stripe", stripe_event("checkout.session.completed", paid, "evt_paid")) == (200, "applied")
    assert snapshot(shop.c, user)[0] == STARTER + PACK_CREDITS
    with shop.c.db.reader() as uow:
        assert {e.event_id: e.state for e in uow.billing.events()} == {"evt_old": "rejected", "evt_paid": "applied"}
    assert_billing_balances(shop.c, user)


def test_an_unexpected_failure_is_a_500_whose_log_line_has_the_type_and_place_only(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log_everything(caplog)

    def broken() -> Container:
        raise RuntimeError("mallory@evil.example was in the payload")

    client = TestClient(Starlette(routes=payment_webhook_routes(broken)))
    answer = client.post("/api/webhooks/stripe", content=b"{}")
    assert answer.status_code == 500 and "mallory" not in answer.text
    assert "RuntimeError at" in caplog.text and "test_provider_event_probes.py" in caplog.text
    assert "mallory" not in all_logged(caplog)


# -- the return page: the provider's answer is a payload too -------------------------------------------------------


class Answers(LocalHttpServer):
    """A provider API that answers every request with one canned JSON body."""

    def __init__(self) -> None:
        super().__init__()
        self.body: object = {}

    def handle(self, received: Received) -> Reply:
        return json_reply(200, self.body)


def _stripe_email(scene: Scene) -> object:
    return {**session(scene), "id": "cs_answer", "amount_total": "mallory@evil.example"}


def _creem_email(scene: Scene) -> object:
    answer = {**creem_checkout(scene), "id": "ch_answer"}
    answer["order"]["amount"] = "mallory@evil.example"
    return answer


def _creem_huge(scene: Scene) -> object:
    answer = {**creem_checkout(scene), "id": "ch_answer"}
    answer["order"]["amount"] = 10**30
    return answer


CONFIRM_ANSWERS = [
    ("stripe", "email in amount_total", _stripe_email),
    ("stripe", "a list, not an object", lambda scene: [{"id": "cs_answer"}, "mallory@evil.example"]),
    ("creem", "email in the order's amount", _creem_email),
    ("creem", "an amount past any price", _creem_huge),
]


@pytest.mark.parametrize(
    ("provider", "what", "answer"), CONFIRM_ANSWERS, ids=[f"{p}: {w}" for p, w, _ in CONFIRM_ANSWERS]
)
def test_an_answer_about_a_checkout_that_cannot_be_read_changes_nothing_and_stays_out_of_the_log(
    provider: str,
    what: str,
    answer: Callable[[Scene], object],
    database_url: str,
    containers: Callable[..., Container],
    stripe_server: StripeServer,
    creem_server: CreemServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    log_everything(caplog)
    checkout = "cs_answer" if provider == "stripe" else "ch_answer"
    with Answers() as api:
        c = containers(
            database_url, **(payment_settings(stripe_server, creem_server) | {f"{provider}_api_base": api.url})
        )
        user = sign_up(c, "buyer@example.com")
        order = pending_order(c, user, provider, checkout=checkout)
        api.body = answer(Scene(user, order, 1))
        outcome = c.billing.confirm_return(user, provider, checkout)
    assert not outcome.ok and "could not confirm this payment just now" in outcome.message
    assert order_row(c, order).status == OrderStatus.PENDING
    assert snapshot(c, user)[0] == STARTER
    assert "mallory" not in all_logged(caplog)


OPENED = [
    ("stripe", "a list, not an object", ["mallory@evil.example"]),
    (
        "stripe",
        "a page that is not a web address",
        {"id": "cs_answer", "url": "javascript:alert('mallory@evil.example')"},
    ),
    ("creem", "a page that is not a web address", {"id": "ch_answer", "checkout_url": "javascript:alert(1)"}),
    ("creem", "an id that is not one", {"id": "mallory@evil.example", "checkout_url": "https://creem.example/pay"}),
]


@pytest.mark.parametrize(("provider", "what", "answer"), OPENED, ids=[f"{p}: {w}" for p, w, _ in OPENED])
def test_an_opened_checkout_that_cannot_be_read_fails_the_order_and_sends_nobody_anywhere(
    provider: str,
    what: str,
    answer: object,
    database_url: str,
    containers: Callable[..., Container],
    stripe_server: StripeServer,
    creem_server: CreemServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    log_everything(caplog)
    with Answers() as api:
        c = containers(
            database_url, **(payment_settings(stripe_server, creem_server) | {f"{provider}_api_base": api.url})
        )
        user = sign_up(c, "buyer@example.com")
        api.body = answer
        with pytest.raises(PaymentError, match="could not open a checkout just now. Nothing was charged"):
            c.billing.buy(user, "pack-starter", provider, "http://127.0.0.1:8501")
    [order] = c.billing.orders(user).items
    assert order.status == OrderStatus.FAILED and order_row(c, order.public_id).checkout_url is None
    assert "mallory" not in all_logged(caplog)
