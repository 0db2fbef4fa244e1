"""Creem end to end, on SQLite and PostgreSQL: our httpx client against the local Creem server, and its
HMAC-signed webhooks delivered over real HTTP to the webhook route and through Starlette's TestClient."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from core.bootstrap import Container
from core.domain import UserView
from core.domain.billing import OrderStatus, PlanStatus
from tests.billing_support import assert_billing_balances, only_order
from tests.creem_server import CreemServer
from tests.factories import refreshed, sign_up
from tests.payment_support import payment_settings, serving_webhooks, webhook_client

STARTER = 20
APP = "http://127.0.0.1:8501"


@dataclass
class Shop:
    c: Container
    creem: CreemServer
    user: UserView

    def balance(self) -> int:
        return refreshed(self.c, self.user).balance

    def buy(self, offer: str = "pack-starter") -> str:
        """Start a checkout; return the Creem checkout id the buyer was sent to."""
        outcome = self.c.billing.buy(self.user, offer, "creem", APP)
        assert outcome.ok and outcome.redirect.startswith(self.creem.url + "/pay/"), outcome
        return outcome.redirect.rsplit("/", 1)[1]

    def pay(self, checkout: str) -> dict[str, list[str]]:
        """The buyer presses Pay on Creem's page; returns the query Creem sends them back with."""
        answer = httpx.post(f"{self.creem.url}/pay/{checkout}", data={"action": "pay"}, follow_redirects=False)
        assert answer.status_code == 303
        back = urlsplit(answer.headers["location"])
        assert f"{back.scheme}://{back.netloc}{back.path}" == f"{APP}/billing"
        return parse_qs(back.query)


@pytest.fixture
def shop(database_url: str, containers: Callable[..., Container], creem_api: CreemServer) -> Iterator[Shop]:
    c = containers(database_url, **payment_settings(None, creem_api))
    with serving_webhooks(lambda: c) as url:
        creem_api.webhook_url = f"{url}/api/webhooks/creem"
        yield Shop(c, creem_api, sign_up(c))
    creem_api.webhook_url = None


def test_a_pack_paid_on_creem_is_granted_once_by_the_webhook_and_the_return_page(shop: Shop) -> None:
    checkout = shop.buy()
    back = shop.pay(checkout)
    assert [status for _, _, status in shop.creem.deliveries] == [200]
    assert shop.balance() == STARTER + 1000
    outcome = shop.c.billing.confirm_return(shop.user, back["return"][0], back["checkout_id"][0])
    assert outcome.ok and "1,000 credits added" in outcome.message and "1,020" in outcome.message
    assert shop.balance() == STARTER + 1000
    order = only_order(shop.c, shop.user)
    assert (order.status, order.provider_label, order.price) == (OrderStatus.PAID, "Creem", "$5.00")
    sent = shop.creem.requests[0]
    assert sent.headers["x-api-key"] == shop.creem.api_key
    assert sent.json == {
        "product_id": "prod_starter",
        "request_id": order.public_id,
        "success_url": f"{APP}/billing?return=creem&order={order.public_id}",
        "metadata": {"order": order.public_id, "offer": "pack-starter"},
    }
    assert "alice" not in shop.creem.requests[0].body.decode()  # no email, no name
    assert_billing_balances(shop.c, shop.user)


def test_the_return_page_alone_confirms_with_creem_when_the_webhook_is_late(shop: Shop) -> None:
    shop.creem.hold = True
    back = shop.pay(shop.buy())
    assert shop.balance() == STARTER
    shop.c.billing.confirm_return(shop.user, "creem", back["checkout_id"][0])
    assert shop.balance() == STARTER + 1000
    assert [status for _, _, status in shop.creem.release()] == [200]  # the late webhook: nothing more
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
    shop.creem.hold = True
    shop.pay(shop.buy())
    event = shop.creem.held[0]
    client = webhook_client(shop.c)
    body, headers = shop.creem.signed(event)
    answers = [client.post("/api/webhooks/creem", content=body, headers=headers) for _ in range(10)]
    assert [a.text for a in answers] == ["applied"] + ["duplicate"] * 9
    assert shop.balance() == STARTER + 1000
    assert_billing_balances(shop.c, shop.user)


def test_a_forged_tampered_or_unsigned_event_is_refused_and_changes_nothing(shop: Shop) -> None:
    shop.creem.hold = True
    shop.pay(shop.buy())
    body, headers = shop.creem.signed(shop.creem.held[0])
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
    shop.creem.renew(subscription)
    assert shop.balance() == STARTER + 6000
    message = shop.c.billing.cancel_plan(shop.user)
    assert "no further payments" in message
    cancel = shop.creem.requests[-1]
    assert (cancel.path, cancel.json) == (f"/v1/subscriptions/{subscription}/cancel", {"mode": "scheduled"})
    assert shop.c.billing.plan(shop.user).status == PlanStatus.CANCELING  # type: ignore[union-attr]
    assert shop.creem.renew(subscription) is None  # the scheduled cancel ends it instead of a third month
    assert shop.balance() == STARTER + 6000
    assert shop.c.billing.plan(shop.user) is None
    assert [o.status for o in shop.c.billing.orders(shop.user).items] == [OrderStatus.PAID, OrderStatus.PAID]
    assert_billing_balances(shop.c, shop.user)


def test_a_partial_then_a_full_refund_and_a_dispute(shop: Shop) -> None:
    back = shop.pay(shop.buy("pack-creator"))  # 2,500 credits for $10.00
    transaction = shop.creem.checkout(back["checkout_id"][0])["order"]["transaction"]
    shop.creem.refund(transaction, 400)
    assert shop.balance() == STARTER + 2500 - 1000
    assert only_order(shop.c, shop.user).status == OrderStatus.PARTLY_REFUNDED
    shop.creem.refund(transaction, 600)
    assert shop.balance() == STARTER
    assert only_order(shop.c, shop.user).status == OrderStatus.REFUNDED
    assert_billing_balances(shop.c, shop.user)

    other = sign_up(shop.c, "bob@example.com")
    outcome = shop.c.billing.buy(other, "pack-starter", "creem", APP)
    shop.pay(outcome.redirect.rsplit("/", 1)[1])
    paid = [e for e in shop.creem.events if e["eventType"] == "checkout.completed"][-1]
    shop.creem.dispute(paid["object"]["order"]["transaction"])
    assert refreshed(shop.c, other).balance == STARTER
    assert only_order(shop.c, other).status == OrderStatus.DISPUTED
    assert_billing_balances(shop.c, other)


def test_a_refund_that_arrives_before_its_completion_still_ends_right(shop: Shop) -> None:
    shop.creem.hold = True
    back = shop.pay(shop.buy())
    transaction = shop.creem.checkout(back["checkout_id"][0])["order"]["transaction"]
    shop.creem.refund(transaction, 500)
    refund_event, completed = shop.creem.held[-1]["id"], shop.creem.held[0]["id"]
    shop.creem.release([refund_event, completed])
    assert shop.balance() == STARTER
    assert only_order(shop.c, shop.user).status == OrderStatus.REFUNDED
    assert_billing_balances(shop.c, shop.user)
