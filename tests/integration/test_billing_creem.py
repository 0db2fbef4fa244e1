"""Creem end to end, on SQLite and PostgreSQL: our httpx client against the local Creem server, and its
HMAC-signed webhooks delivered over real HTTP to the webhook route and through Starlette's TestClient."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from core.bootstrap import Container
from core.domain.billing import OrderStatus, PlanStatus
from core.errors import PaymentError
from tests.billing_support import assert_billing_balances, only_order
from tests.creem_server import CreemServer
from tests.factories import refreshed, sign_up
from tests.payment_support import APP, Shop, open_shop, payment_settings, webhook_client

STARTER = 20


@pytest.fixture
def shop(database_url: str, containers: Callable[..., Container], creem_api: CreemServer) -> Iterator[Shop]:
    with open_shop(containers(database_url, **payment_settings(None, creem_api)), creem_api, "creem") as opened:
        yield opened


def test_a_pack_paid_on_creem_is_granted_once_by_the_webhook_and_the_return_page(shop: Shop) -> None:
    checkout = shop.buy()
    back = shop.pay(checkout)
    assert [status for _, _, status in shop.server.deliveries] == [200]
    assert shop.balance() == STARTER + 1000
    outcome = shop.c.billing.confirm_return(shop.user, back["return"][0], back["checkout_id"][0])
    assert outcome.ok and "1,000 credits added" in outcome.message and "1,020" in outcome.message
    assert shop.balance() == STARTER + 1000
    order = only_order(shop.c, shop.user)
    assert (order.status, order.provider_label, order.price) == (OrderStatus.PAID, "Creem", "$5.00")
    sent = shop.server.requests[0]
    assert sent.headers["x-api-key"] == shop.server.api_key
    assert sent.json == {
        "product_id": "prod_starter",
        "request_id": order.public_id,
        "success_url": f"{APP}/billing?return=creem&order={order.public_id}",
        "metadata": {"order": order.public_id, "offer": "pack-starter"},
    }
    assert "alice" not in shop.server.requests[0].body.decode()  # no email, no name
    assert_billing_balances(shop.c, shop.user)


def test_the_return_page_alone_confirms_with_creem_when_the_webhook_is_late(shop: Shop) -> None:
    shop.server.hold = True
    back = shop.pay(shop.buy())
    assert shop.balance() == STARTER
    shop.c.billing.confirm_return(shop.user, "creem", back["checkout_id"][0])
    assert shop.balance() == STARTER + 1000
    assert [status for _, _, status in shop.server.release()] == [200]  # the late webhook: nothing more
    assert shop.balance() == STARTER + 1000
    assert_billing_balances(shop.c, shop.user)


def test_a_return_url_naming_an_unpaid_checkout_grants_nothing(shop: Shop) -> None:
    checkout = shop.buy()  # never paid
    outcome = shop.c.billing.confirm_return(shop.user, "creem", checkout)
    assert "being processed" in outcome.message
    stranger = sign_up(shop.c, "mallory@example.com")
    assert not shop.c.billing.confirm_return(stranger, "creem", checkout).ok
    assert shop.balance() == STARTER and refreshed(shop.c, stranger).balance == STARTER


def test_one_event_replayed_ten_times_grants_once(shop: Shop) -> None:
    shop.server.hold = True
    shop.pay(shop.buy())
    event = shop.server.held[0]
    client = webhook_client(shop.c)
    body, headers = shop.server.signed(event)
    answers = [client.post("/api/webhooks/creem", content=body, headers=headers) for _ in range(10)]
    assert [a.text for a in answers] == ["applied"] + ["duplicate"] * 9
    assert shop.balance() == STARTER + 1000
    assert_billing_balances(shop.c, shop.user)


def test_a_forged_tampered_or_unsigned_event_is_refused_and_changes_nothing(shop: Shop) -> None:
    shop.server.hold = True
    shop.pay(shop.buy())
    body, headers = shop.server.signed(shop.server.held[0])
    client = webhook_client(shop.c)
    tampered = body.replace(b'"amount":500', b'"amount":5')
    assert tampered != body
    forged = {"creem-signature": "0" * 64, "content-type": "application/json"}
    for content, sent in ((tampered, headers), (body, forged), (body, {"content-type": "application/json"})):
        answer = client.post("/api/webhooks/creem", content=content, headers=sent)
        assert (answer.status_code, answer.text) == (400, "Bad signature.")
    assert client.post("/api/webhooks/creem", content=b"x" * (1024 * 1024 + 1), headers=headers).status_code == 413
    assert shop.balance() == STARTER
    with shop.c.db.reader() as uow:
        assert list(uow.billing.events()) == []
    assert only_order(shop.c, shop.user).status == OrderStatus.PENDING


def test_a_plan_grants_each_paid_month_and_a_cancel_stops_the_third(shop: Shop) -> None:
    back = shop.pay(shop.buy("plan-monthly"))
    assert shop.balance() == STARTER + 3000  # checkout.completed links it; subscription.paid grants it
    shop.c.billing.confirm_return(shop.user, "creem", back["checkout_id"][0])
    assert shop.balance() == STARTER + 3000
    plan = shop.c.billing.plan(shop.user)
    assert plan is not None and plan.status == PlanStatus.ACTIVE and plan.period_end is not None
    subscription = back["subscription_id"][0]
    shop.server.renew(subscription)
    assert shop.balance() == STARTER + 6000
    message = shop.c.billing.cancel_plan(shop.user)
    assert "no further payments" in message
    cancel = shop.server.requests[-1]
    assert (cancel.path, cancel.json) == (f"/v1/subscriptions/{subscription}/cancel", {"mode": "scheduled"})
    assert shop.c.billing.plan(shop.user).status == PlanStatus.CANCELING  # type: ignore[union-attr]
    assert shop.server.renew(subscription) is None  # the scheduled cancel ends it instead of a third month
    assert shop.balance() == STARTER + 6000
    assert shop.c.billing.plan(shop.user) is None
    assert [o.status for o in shop.c.billing.orders(shop.user).items] == [OrderStatus.PAID, OrderStatus.PAID]
    assert_billing_balances(shop.c, shop.user)


def test_a_partial_then_a_full_refund_and_a_dispute(shop: Shop) -> None:
    back = shop.pay(shop.buy("pack-creator"))  # 2,500 credits for $10.00
    transaction = shop.server.checkout(back["checkout_id"][0])["order"]["transaction"]
    shop.server.refund(transaction, 400)
    assert shop.balance() == STARTER + 2500 - 1000
    assert only_order(shop.c, shop.user).status == OrderStatus.PARTLY_REFUNDED
    shop.server.refund(transaction, 600)
    assert shop.balance() == STARTER
    assert only_order(shop.c, shop.user).status == OrderStatus.REFUNDED
    assert_billing_balances(shop.c, shop.user)

    other = sign_up(shop.c, "bob@example.com")
    outcome = shop.c.billing.buy(other, "pack-starter", "creem", APP)
    shop.pay(outcome.redirect.rsplit("/", 1)[1])
    paid = [e for e in shop.server.events if e["eventType"] == "checkout.completed"][-1]
    shop.server.dispute(paid["object"]["order"]["transaction"])
    assert refreshed(shop.c, other).balance == STARTER
    assert only_order(shop.c, other).status == OrderStatus.DISPUTED
    assert_billing_balances(shop.c, other)


def test_a_refund_that_arrives_before_its_completion_still_ends_right(shop: Shop) -> None:
    shop.server.hold = True
    back = shop.pay(shop.buy())
    transaction = shop.server.checkout(back["checkout_id"][0])["order"]["transaction"]
    shop.server.refund(transaction, 500)
    refund_event, completed = shop.server.held[-1]["id"], shop.server.held[0]["id"]
    shop.server.release([refund_event, completed])
    assert shop.balance() == STARTER
    assert only_order(shop.c, shop.user).status == OrderStatus.REFUNDED
    assert_billing_balances(shop.c, shop.user)


def test_creem_unreachable_or_refusing_leaves_a_failed_order_and_a_clear_message(
    database_url: str, containers: Callable[..., Container], creem_api: CreemServer
) -> None:
    down = containers(database_url, **{**payment_settings(None, creem_api), "creem_api_base": "http://127.0.0.1:9"})
    user = sign_up(down)
    with pytest.raises(PaymentError, match="Creem could not open a checkout just now. Nothing was charged"):
        down.billing.buy(user, "pack-starter", "creem", APP)
    assert only_order(down, user).status == OrderStatus.FAILED
    wrong_key = containers(database_url, **{**payment_settings(None, creem_api), "creem_api_key": "creem_test_wrong"})
    other = sign_up(wrong_key, "other@example.com")
    with pytest.raises(PaymentError):
        wrong_key.billing.buy(other, "pack-starter", "creem", APP)  # Creem answers 403
    assert refreshed(wrong_key, other).balance == STARTER
