"""Stripe end to end, on SQLite and PostgreSQL: the real `stripe` library against the local Stripe server, and
webhooks signed with the library's own helper, delivered over real HTTP and through Starlette's TestClient."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import stripe

from core.bootstrap import Container
from core.domain import AuditFilter
from core.domain.billing import OrderStatus, PlanStatus
from core.errors import PaymentError
from core.services.deletion_runner import DeletionRunner
from core.services.erasure import ErasureService
from tests.billing_support import assert_billing_balances, only_order
from tests.factories import MovableClock, refreshed, sign_up
from tests.payment_support import APP, Shop, open_shop, payment_settings, webhook_client
from tests.races import at_once
from tests.stripe_server import StripeServer

STARTER = 20


def intent(shop: Shop, session: str) -> str:
    """The payment intent a paid Checkout Session made (what refunds and disputes name)."""
    return str(shop.server.session(session)["payment_intent"])


@pytest.fixture
def shop(database_url: str, containers: Callable[..., Container], stripe_api: StripeServer) -> Iterator[Shop]:
    with open_shop(
        containers(database_url, admin_emails="admin@example.com", **payment_settings(stripe_api, None)),
        stripe_api,
        "stripe",
    ) as opened:
        yield opened


def test_a_pack_is_granted_once_by_the_webhook_and_the_return_page(shop: Shop) -> None:
    session = shop.buy()
    back = shop.pay(session)
    assert [status for _, _, status in shop.server.deliveries] == [200]
    assert shop.balance() == STARTER + 1000
    outcome = shop.c.billing.confirm_return(shop.user, back["return"][0], back["checkout"][0])
    assert outcome.ok and "1,000 credits added" in outcome.message
    assert shop.balance() == STARTER + 1000
    order = only_order(shop.c, shop.user)
    assert (order.status, order.reference) == (OrderStatus.PAID, session)
    created = shop.server.requests[0]
    assert created.headers["idempotency-key"] == f"checkout:{order.public_id}"
    assert created.form["client_reference_id"] == created.form["metadata[order]"] == order.public_id
    assert created.form["payment_intent_data[metadata][order]"] == order.public_id
    assert created.form["success_url"].endswith("&checkout={CHECKOUT_SESSION_ID}")
    assert "alice" not in created.body.decode()  # no email, no name
    assert_billing_balances(shop.c, shop.user)


def test_asking_twice_for_one_order_makes_one_session(shop: Shop) -> None:
    first = shop.buy()
    assert shop.buy() == first  # a rerun within minutes reopens the same checkout
    assert len(shop.server.sessions()) == 1
    assert len(shop.c.billing.orders(shop.user).items) == 1


def test_the_return_page_and_the_webhook_racing_grant_once(shop: Shop) -> None:
    shop.server.hold = True
    back = shop.pay(shop.buy())
    event = shop.server.held[0]
    at_once(
        lambda: shop.server.deliver(event),
        lambda: shop.c.billing.confirm_return(shop.user, "stripe", back["checkout"][0]),
        lambda: shop.server.deliver(event),
    )
    assert shop.balance() == STARTER + 1000
    assert [status for _, _, status in shop.server.deliveries] == [200, 200]
    assert_billing_balances(shop.c, shop.user)


def test_one_event_replayed_ten_times_and_a_second_event_for_the_same_payment_grant_once(shop: Shop) -> None:
    shop.server.hold = True
    session = shop.buy()
    shop.pay(session)
    client = webhook_client(shop.c)
    event = shop.server.held[0]
    answers = [client.post("/api/webhooks/stripe", content=b, headers=h) for b, h in [shop.server.signed(event)] * 10]
    assert [a.text for a in answers] == ["applied"] + ["duplicate"] * 9
    twin = shop.server.event("checkout.session.completed", shop.server.session(session))  # a new id, same payment
    assert twin["id"] != event["id"]
    body, headers = shop.server.signed(twin)
    assert client.post("/api/webhooks/stripe", content=body, headers=headers).status_code == 200
    assert shop.balance() == STARTER + 1000
    assert_billing_balances(shop.c, shop.user)


def test_a_forged_tampered_unsigned_or_stale_event_is_refused_and_changes_nothing(shop: Shop) -> None:
    shop.server.hold = True
    shop.pay(shop.buy())
    event = shop.server.held[0]
    client = webhook_client(shop.c)
    body, headers = shop.server.signed(event)
    tampered = body.replace(b'"amount_total": 500', b'"amount_total": 5')
    assert tampered != body
    stale_body, stale = shop.server.signed(event, timestamp=int(time.time()) - 301)
    other_secret = {"stripe-signature": headers["Stripe-Signature"].replace("v1=", "v1=0"), **_json()}
    for content, sent in (
        (tampered, headers),
        (body, other_secret),
        (body, _json()),
        (stale_body, stale),
        (b"not json", headers),
    ):
        answer = client.post("/api/webhooks/stripe", content=content, headers=sent)
        assert (answer.status_code, answer.text) == (400, "Bad signature.")
    assert client.post("/api/webhooks/stripe", content=b"x" * (1024 * 1024 + 1), headers=headers).status_code == 413
    assert shop.balance() == STARTER
    with shop.c.db.reader() as uow:
        assert list(uow.billing.events()) == []
    assert only_order(shop.c, shop.user).status == OrderStatus.PENDING


def _json() -> dict[str, str]:
    return {"content-type": "application/json"}


def test_a_delayed_payment_is_granted_when_it_succeeds_and_marked_failed_when_it_fails(shop: Shop) -> None:
    paid_later, fails = shop.buy(), shop.buy("pack-creator")
    shop.server.complete(paid_later, async_payment=True)
    shop.server.complete(fails, async_payment=True)
    assert shop.balance() == STARTER  # completed, but not paid yet
    shop.server.succeed_async(paid_later)
    shop.server.fail_async(fails)
    assert shop.balance() == STARTER + 1000
    statuses = {o.offer_name: o.status for o in shop.c.billing.orders(shop.user).items}
    assert statuses == {"Starter pack": OrderStatus.PAID, "Creator pack": OrderStatus.FAILED}
    assert_billing_balances(shop.c, shop.user)


def test_a_partial_refund_then_a_full_refund(shop: Shop) -> None:
    session = shop.buy("pack-creator")  # 2,500 credits for $10.00
    shop.pay(session)
    shop.server.refund(intent(shop, session), 250)
    assert shop.balance() == STARTER + 2500 - 625
    order = only_order(shop.c, shop.user)
    assert (order.status, order.credits_clawed_back, order.amount_refunded) == (OrderStatus.PARTLY_REFUNDED, 625, 250)
    shop.server.refund(intent(shop, session))  # the rest
    assert shop.balance() == STARTER
    assert only_order(shop.c, shop.user).status == OrderStatus.REFUNDED
    statement = shop.c.credits.statement(shop.user).items
    label = f"Order {order.public_id[:8].upper()}"  # as the receipt's order number begins
    assert [(r.description, r.change, r.reference) for r in statement[:3]] == [
        ("Clawback: Creator pack was refunded", -1875, label),
        ("Clawback: Creator pack was partly refunded", -625, label),
        ("Purchase: Creator pack", 2500, label),
    ]
    assert_billing_balances(shop.c, shop.user)


def test_a_dispute_lost_and_a_dispute_won(shop: Shop) -> None:
    winner = sign_up(shop.c, "winner@example.com")
    lost, won = shop.buy(), shop.buy(user=winner)
    shop.pay(lost)
    shop.pay(won)
    lost_dispute = shop.server.dispute(intent(shop, lost))
    won_dispute = shop.server.dispute(intent(shop, won))
    assert shop.balance() == shop.balance(winner) == STARTER
    shop.server.close_dispute(lost_dispute["id"], "lost")
    shop.server.close_dispute(won_dispute["id"], "won")
    assert shop.balance() == STARTER
    assert shop.balance(winner) == STARTER + 1000
    assert only_order(shop.c, shop.user).status_label == "Disputed (lost)"
    assert only_order(shop.c, winner).status == OrderStatus.PAID
    for user in (shop.user, winner):
        assert_billing_balances(shop.c, user)
    admin = sign_up(shop.c, "admin@example.com")
    log = shop.c.admin.audit_log(admin, AuditFilter()).items
    winner_order = only_order(shop.c, winner).public_id
    assert [e.action for e in log if winner_order in e.details] == [
        "billing.reinstated",
        "billing.clawback",
        "billing.granted",
    ]
    assert all(e.subject == f"user:{winner.id}" for e in log if winner_order in e.details)


def test_a_plan_grants_on_the_paid_invoice_renews_and_a_cancel_stops_the_third_month(shop: Shop) -> None:
    session = shop.buy("plan-monthly")
    created = shop.server.requests[0].form
    assert created["mode"] == "subscription" and created["line_items[0][price]"] == "price_monthly"
    assert created["subscription_data[metadata][order]"] == created["client_reference_id"]
    back = shop.pay(session)
    kinds = [e["type"] for e in shop.server.events]
    assert kinds == ["checkout.session.completed", "invoice.paid"]
    assert shop.balance() == STARTER + 3000  # granted on the invoice, not also at checkout
    shop.c.billing.confirm_return(shop.user, "stripe", back["checkout"][0])
    assert shop.balance() == STARTER + 3000
    plan = shop.c.billing.plan(shop.user)
    assert plan is not None and plan.status == PlanStatus.ACTIVE and plan.period_end is not None
    subscription = str(shop.server.session(session)["subscription"])
    shop.server.renew(subscription)
    assert shop.balance() == STARTER + 6000
    shop.c.billing.cancel_plan(shop.user)
    assert shop.server.subscription(subscription)["cancel_at_period_end"] is True
    assert shop.c.billing.plan(shop.user).status == PlanStatus.CANCELING  # type: ignore[union-attr]
    assert shop.server.renew(subscription) is None  # customer.subscription.deleted, no third invoice
    assert shop.balance() == STARTER + 6000
    assert shop.c.billing.plan(shop.user) is None
    orders = shop.c.billing.orders(shop.user).items
    assert [(o.offer_name, o.status, o.credits_granted) for o in orders] == [
        ("Monthly plan", OrderStatus.PAID, 3000)
    ] * 2
    assert_billing_balances(shop.c, shop.user)


def test_a_refund_that_arrives_before_its_completion_still_ends_right(shop: Shop) -> None:
    shop.server.hold = True
    session = shop.buy()
    shop.pay(session)
    shop.server.refund(intent(shop, session), 500)
    completed, refunded = (e["id"] for e in shop.server.held)
    shop.server.release([refunded, completed])
    assert shop.balance() == STARTER
    assert only_order(shop.c, shop.user).status == OrderStatus.REFUNDED
    assert_billing_balances(shop.c, shop.user)


def test_a_refund_of_a_renewal_month_claws_back_that_month_only(shop: Shop) -> None:
    session = shop.buy("plan-monthly")
    shop.pay(session)
    invoice = shop.server.renew(str(shop.server.session(session)["subscription"]))
    assert invoice is not None
    intent = invoice["payments"]["data"][0]["payment"]["payment_intent"]
    shop.server.refund(intent, 500)  # half of the second month
    assert shop.balance() == STARTER + 6000 - 1500
    statuses = [o.status for o in shop.c.billing.orders(shop.user).items]
    assert statuses == [OrderStatus.PARTLY_REFUNDED, OrderStatus.PAID]
    assert_billing_balances(shop.c, shop.user)


def test_a_payment_whose_webhook_was_lost_and_whose_buyer_never_came_back_is_still_fulfilled(
    database_url: str, containers: Callable[..., Container], stripe_api: StripeServer
) -> None:
    clock = MovableClock(datetime.now(UTC))
    c = containers(database_url, clock=clock, **payment_settings(stripe_api, None))
    user = sign_up(c)
    shop = Shop(c, stripe_api, "stripe", user)
    paid, abandoned = shop.buy(), shop.buy("pack-creator")
    stripe_api.complete(paid)  # no webhook_url: the event goes nowhere, and nobody comes back
    assert c.billing.reconcile_pending() == 0  # too early to ask
    clock.advance(minutes=6)
    assert c.billing.reconcile_pending() == 1
    assert shop.balance() == STARTER + 1000
    clock.advance(hours=25)
    assert c.billing.reconcile_pending() == 1  # the abandoned checkout is over
    statuses = {o.offer_name: o.status for o in c.billing.orders(user).items}
    assert statuses == {"Starter pack": OrderStatus.PAID, "Creator pack": OrderStatus.CANCELED}
    assert abandoned
    assert_billing_balances(c, user)


def test_a_provider_that_cannot_be_reached_leaves_a_failed_order_and_a_clear_message(
    database_url: str, containers: Callable[..., Container], stripe_api: StripeServer
) -> None:
    settings = {**payment_settings(stripe_api, None), "stripe_api_base": "http://127.0.0.1:9"}  # nothing listens
    c = containers(database_url, **settings)
    user = sign_up(c)
    with pytest.raises(PaymentError, match="Stripe could not open a checkout just now. Nothing was charged"):
        c.billing.buy(user, "pack-starter", "stripe", APP)
    assert only_order(c, user).status == OrderStatus.FAILED
    assert refreshed(c, user).balance == STARTER


def test_the_stripe_library_writes_no_telemetry_id(shop: Shop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    shop.pay(shop.buy())
    shop.c.billing.reconcile_pending()
    assert stripe.enable_telemetry is False
    assert not list(tmp_path.rglob("telemetry_id"))


def test_erasing_an_account_cancels_its_running_plan_at_stripe(
    database_url: str, containers: Callable[..., Container], stripe_api: StripeServer
) -> None:
    """Nobody is left to renew a plan for: the erasure cancels it at the provider (after its transaction, through
    the outbox), so the person is not charged again for an account that is gone."""
    c = containers(database_url, erasure_grace_days=0, **payment_settings(stripe_api, None))
    with open_shop(c, stripe_api, "stripe") as shop:
        _erase_with_a_running_plan(shop)


def _erase_with_a_running_plan(shop: Shop) -> None:
    session = shop.buy("plan-monthly")
    shop.pay(session)
    subscription = str(shop.server.session(session)["subscription"])
    erasures = shop.c.of(ErasureService)
    erasures.schedule(shop.user, shop.user.email)
    assert shop.server.subscription(subscription)["cancel_at_period_end"] is False
    assert erasures.run_due() == 1  # which then carries out what it owes
    assert shop.c.of(DeletionRunner).owed().owed == 0
    assert shop.server.subscription(subscription)["cancel_at_period_end"] is True
    assert shop.server.renew(subscription) is None  # no further invoice
    assert shop.c.accounts.get(shop.user.id) is None
