"""The local Creem server (tests/creem_server.py) speaks Creem's API, checkout page and signed webhooks: plain httpx."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.creem_server import CreemServer

PACK, PLAN = "prod_pack_test", "prod_plan_test"
METADATA = {"order": "ord-public-1", "offer": "plan-monthly"}
SUCCESS_URL = "http://app.test/billing?tab=credits"


class _Receiver(ThreadingHTTPServer):
    """A tiny webhook endpoint: keeps (headers, raw body) of each POST and answers 200."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _ReceiverHandler)
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.url = f"http://127.0.0.1:{self.server_address[1]}/webhooks/creem"


class _ReceiverHandler(BaseHTTPRequestHandler):
    server: _Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet."""


@pytest.fixture(scope="module")
def server() -> Iterator[CreemServer]:
    with CreemServer() as creem:
        creem.add_product(PACK, amount=500, name="100 credits")
        creem.add_product(PLAN, amount=900, recurring=True, name="Monthly plan")
        yield creem


@pytest.fixture(scope="module")
def receiver() -> Iterator[_Receiver]:
    http = _Receiver()
    thread = threading.Thread(target=http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield http
    http.shutdown()
    http.server_close()
    thread.join(timeout=5)


@pytest.fixture
def creem(server: CreemServer, receiver: _Receiver) -> Iterator[CreemServer]:
    server.reset()
    receiver.received.clear()
    yield server
    server.reset()


@pytest.fixture
def api(creem: CreemServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=creem.url, headers={"x-api-key": creem.api_key}, trust_env=False, timeout=5) as client:
        yield client


def _open(api: httpx.Client, product: str = PACK, request_id: str = "ord-public-1") -> dict[str, Any]:
    """Create a checkout the way the app does."""
    body = {"product_id": product, "request_id": request_id, "success_url": SUCCESS_URL, "metadata": METADATA}
    response = api.post("/v1/checkouts", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def _verifies(secret: str, body: bytes, sent: str) -> bool:
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, sent)


def _types(events: list[dict[str, Any]]) -> list[str]:
    return [event["eventType"] for event in events]


# -- the API ------------------------------------------------------------------------------------------------------


def test_create_checkout_answers_a_pending_checkout_and_is_recorded(creem: CreemServer, api: httpx.Client) -> None:
    checkout = _open(api)
    assert checkout["id"].startswith("ch_")
    assert checkout["object"] == "checkout"
    assert checkout["checkout_url"] == f"{creem.url}/pay/{checkout['id']}"
    assert (checkout["status"], checkout["mode"], checkout["units"]) == ("pending", "test", 1)
    assert (checkout["product"], checkout["request_id"]) == (PACK, "ord-public-1")
    assert (checkout["metadata"], checkout["success_url"]) == (METADATA, SUCCESS_URL)
    assert "order" not in checkout and "customer" not in checkout
    [request] = creem.requests
    assert (request.method, request.path, request.headers["X-Api-Key"]) == ("POST", "/v1/checkouts", creem.api_key)
    assert request.json == {
        "product_id": PACK,
        "request_id": "ord-public-1",
        "success_url": SUCCESS_URL,
        "metadata": METADATA,
    }
    assert json.loads(request.body) == request.json
    assert creem.events == []


def test_checkouts_are_refused_without_the_key_or_for_an_unknown_product(creem: CreemServer) -> None:
    body = {"product_id": PACK, "request_id": "r1"}
    for headers in ({}, {"x-api-key": "creem_test_wrong"}):
        answer = httpx.post(f"{creem.url}/v1/checkouts", json=body, headers=headers, trust_env=False)
        assert answer.status_code == 403
        assert answer.json()["error"] == "Forbidden"
        assert answer.json()["status"] == 403 and isinstance(answer.json()["message"], list)
    key = {"x-api-key": creem.api_key}
    answer = httpx.post(f"{creem.url}/v1/checkouts", json={"product_id": "prod_nope"}, headers=key, trust_env=False)
    assert answer.status_code == 404
    assert answer.json()["message"] == ["Product not found"]
    answer = httpx.post(f"{creem.url}/v1/checkouts", json={"request_id": "r1"}, headers=key, trust_env=False)
    assert answer.status_code == 400
    assert creem.checkouts() == []


def test_a_repeated_request_id_makes_another_checkout(creem: CreemServer, api: httpx.Client) -> None:
    first, second = _open(api, request_id="same"), _open(api, request_id="same")
    assert first["id"] != second["id"]
    assert [c["id"] for c in creem.checkouts(request_id="same")] == [first["id"], second["id"]]


def test_a_checkout_reads_back_pending_then_completed(creem: CreemServer, api: httpx.Client) -> None:
    checkout = _open(api)
    before = api.get("/v1/checkouts", params={"checkout_id": checkout["id"]})
    assert before.status_code == 200 and before.json() == checkout
    creem.complete(checkout["id"])
    after = api.get("/v1/checkouts", params={"checkout_id": checkout["id"]}).json()
    assert after["status"] == "completed"
    order = after["order"]
    assert order["id"].startswith("ord_") and order["transaction"].startswith("tran_")
    assert (order["amount"], order["currency"], order["status"], order["type"]) == (500, "USD", "paid", "onetime")
    assert after["customer"]["id"].startswith("cust_") and after["customer"]["email"] == "buyer@example.test"
    assert "subscription" not in after
    assert creem.transaction(order["transaction"])["amount_paid"] == 500
    [event] = creem.events
    assert event["eventType"] == "checkout.completed" and event["id"].startswith("evt_")
    assert event["object"]["product"]["billing_type"] == "onetime"
    assert event["object"]["order"] == order and event["object"]["request_id"] == "ord-public-1"
    assert creem.complete(checkout["id"]) == after and len(creem.events) == 1  # paying twice changes nothing
    missing = api.get("/v1/checkouts", params={"checkout_id": "ch_missing"})
    assert missing.status_code == 404


def test_a_plan_emits_checkout_completed_then_subscription_paid_with_the_metadata(
    creem: CreemServer, api: httpx.Client
) -> None:
    creem.now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    checkout = creem.complete(_open(api, product=PLAN)["id"])
    completed, paid = creem.events
    assert _types(creem.events) == ["checkout.completed", "subscription.paid"]
    assert completed["object"]["metadata"] == METADATA == paid["object"]["metadata"]
    assert completed["object"]["product"] == {**completed["object"]["product"], "id": PLAN, "billing_type": "recurring"}
    subscription = paid["object"]
    assert subscription["id"] == checkout["subscription"]["id"] == completed["object"]["subscription"]["id"]
    assert (subscription["object"], subscription["status"]) == ("subscription", "active")
    assert subscription["last_transaction_id"] == checkout["order"]["transaction"]
    assert subscription["customer"]["id"] == checkout["customer"]["id"]
    assert subscription["current_period_start_date"] == "2026-05-01T12:00:00.000Z"
    assert subscription["current_period_end_date"] == "2026-05-31T12:00:00.000Z"
    assert checkout["order"]["type"] == "recurring"
    read = api.get("/v1/subscriptions", params={"subscription_id": subscription["id"]})
    assert read.status_code == 200 and read.json() == subscription


def test_every_event_is_signed_over_its_raw_body(creem: CreemServer, api: httpx.Client) -> None:
    checkout = creem.complete(_open(api, product=PLAN)["id"])
    creem.refund(checkout["order"]["transaction"], 300)
    creem.dispute(checkout["order"]["transaction"])
    creem.renew(checkout["subscription"]["id"])
    assert len(creem.events) == 5
    for event in creem.events:
        body, headers = creem.signed(event)
        assert headers["content-type"] == "application/json"
        assert json.loads(body) == event
        assert _verifies(creem.webhook_secret, body, headers["creem-signature"])
        tampered = body.replace(b'"eventType":"', b'"eventType":"x')
        assert not _verifies(creem.webhook_secret, tampered, headers["creem-signature"])
        assert not _verifies("whsec_other", body, headers["creem-signature"])


def test_a_scheduled_cancel_ends_the_plan_at_renewal(creem: CreemServer, api: httpx.Client) -> None:
    subscription_id = creem.complete(_open(api, product=PLAN)["id"])["subscription"]["id"]
    answer = api.post(f"/v1/subscriptions/{subscription_id}/cancel", json={"mode": "scheduled"})
    assert answer.status_code == 200 and answer.json()["status"] == "scheduled_cancel"
    assert creem.events[-1]["eventType"] == "subscription.scheduled_cancel"
    assert creem.renew(subscription_id) is None
    ended = creem.events[-1]
    assert (ended["eventType"], ended["object"]["status"]) == ("subscription.canceled", "canceled")
    assert ended["object"]["metadata"] == METADATA and ended["object"]["canceled_at"] is not None
    assert api.get("/v1/subscriptions", params={"subscription_id": subscription_id}).json()["status"] == "canceled"
    assert _types(creem.events) == [
        "checkout.completed",
        "subscription.paid",
        "subscription.scheduled_cancel",
        "subscription.canceled",
    ]
    again = api.post(f"/v1/subscriptions/{subscription_id}/cancel", json={"mode": "immediate"})
    assert again.status_code == 400
    with pytest.raises(ValueError):
        creem.renew(subscription_id)


def test_an_immediate_cancel_and_the_cancel_endpoints_refusals(creem: CreemServer, api: httpx.Client) -> None:
    subscription_id = creem.complete(_open(api, product=PLAN)["id"])["subscription"]["id"]
    bad = api.post(f"/v1/subscriptions/{subscription_id}/cancel", json={"mode": "later"})
    assert bad.status_code == 400
    assert api.post("/v1/subscriptions/sub_missing/cancel", json={"mode": "immediate"}).status_code == 404
    assert httpx.post(f"{creem.url}/v1/subscriptions/{subscription_id}/cancel", trust_env=False).status_code == 403
    answer = api.post(f"/v1/subscriptions/{subscription_id}/cancel", json={"mode": "immediate"})
    assert answer.status_code == 200 and answer.json()["status"] == "canceled"
    assert creem.events[-1]["eventType"] == "subscription.canceled"
    request = creem.requests[-1]
    assert (request.method, request.path, request.json) == (
        "POST",
        f"/v1/subscriptions/{subscription_id}/cancel",
        {"mode": "immediate"},
    )


def test_renewal_pays_the_next_period_with_a_new_transaction(creem: CreemServer, api: httpx.Client) -> None:
    creem.now = datetime(2026, 5, 1, tzinfo=UTC)
    checkout = creem.complete(_open(api, product=PLAN)["id"])
    creem.now += timedelta(days=30)
    renewed = creem.renew(checkout["subscription"]["id"])
    assert renewed is not None and creem.events[-1] == {**creem.events[-1], "eventType": "subscription.paid"}
    assert renewed["last_transaction_id"] != checkout["order"]["transaction"]
    assert renewed["current_period_start_date"] == "2026-05-31T00:00:00.000Z"
    assert renewed["current_period_end_date"] == "2026-06-30T00:00:00.000Z"
    assert renewed["metadata"] == METADATA
    assert creem.transaction(renewed["last_transaction_id"])["subscription"] == renewed["id"]


def test_refunds_are_cumulative_and_disputes_name_the_payment(creem: CreemServer, api: httpx.Client) -> None:
    checkout = creem.complete(_open(api)["id"])
    transaction = checkout["order"]["transaction"]
    first, second = creem.refund(transaction, 200), creem.refund(transaction, 300)
    assert (first["refund_amount"], first["transaction"]["refunded_amount"]) == (200, 200)
    assert (second["refund_amount"], second["transaction"]["refunded_amount"]) == (300, 500)
    assert (first["transaction"]["status"], second["transaction"]["status"]) == ("partialRefund", "refunded")
    assert second["checkout"] == {**second["checkout"], "id": checkout["id"], "request_id": "ord-public-1"}
    assert second["checkout"]["metadata"] == METADATA and second["order"]["id"] == checkout["order"]["id"]
    with pytest.raises(ValueError):
        creem.refund(transaction, 1)
    dispute = creem.dispute(transaction)
    assert dispute["id"].startswith("disp_") and (dispute["amount"], dispute["currency"]) == (500, "USD")
    assert (dispute["transaction"]["id"], dispute["transaction"]["status"]) == (transaction, "chargeback")
    assert dispute["checkout"]["metadata"] == METADATA
    assert _types(creem.events) == ["checkout.completed", "refund.created", "refund.created", "dispute.created"]


# -- the hosted checkout page -------------------------------------------------------------------------------------


def test_the_checkout_page_pays_and_returns_to_the_success_url(creem: CreemServer, api: httpx.Client) -> None:
    checkout = _open(api, product=PLAN)
    page = httpx.get(checkout["checkout_url"], trust_env=False)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<html lang="en">' in page.text and "<title>Test checkout</title>" in page.text
    assert "Monthly plan" in page.text and "9.00 USD" in page.text
    assert ">Pay</button>" in page.text and ">Cancel</button>" in page.text
    paid = httpx.post(checkout["checkout_url"], data={"action": "pay"}, trust_env=False)
    assert paid.status_code == 303
    location = urlsplit(paid.headers["location"])
    assert (location.scheme, location.netloc, location.path) == ("http", "app.test", "/billing")
    query = {key: values[0] for key, values in parse_qs(location.query).items()}
    done = creem.checkout(checkout["id"])
    assert query == {
        "tab": "credits",
        "checkout_id": checkout["id"],
        "order_id": done["order"]["id"],
        "customer_id": done["customer"]["id"],
        "subscription_id": done["subscription"]["id"],
        "product_id": PLAN,
        "request_id": "ord-public-1",
        "signature": query["signature"],
    }
    assert done["status"] == "completed"
    assert _types(creem.events) == ["checkout.completed", "subscription.paid"]


def test_the_checkout_page_cancel_goes_back_and_changes_nothing(creem: CreemServer, api: httpx.Client) -> None:
    checkout = _open(api)
    left = httpx.post(checkout["checkout_url"], data={"action": "cancel"}, trust_env=False)
    assert left.status_code == 303
    assert left.headers["location"] == SUCCESS_URL + "&canceled=1"
    assert creem.checkout(checkout["id"])["status"] == "pending" and creem.events == []
    assert httpx.get(f"{creem.url}/pay/ch_missing", trust_env=False).status_code == 404


# -- webhook delivery ---------------------------------------------------------------------------------------------


def test_events_are_delivered_signed_to_the_webhook_url(
    creem: CreemServer, api: httpx.Client, receiver: _Receiver
) -> None:
    creem.webhook_url = receiver.url
    creem.complete(_open(api, product=PLAN)["id"])
    assert [(event_id, kind) for event_id, kind, _ in creem.deliveries] == [
        (e["id"], e["eventType"]) for e in creem.events
    ]
    assert [status for *_, status in creem.deliveries] == [200, 200]
    assert [json.loads(body)["eventType"] for _, body in receiver.received] == [
        "checkout.completed",
        "subscription.paid",
    ]
    for (headers, body), event in zip(receiver.received, creem.events):
        assert headers["content-type"] == "application/json"
        assert _verifies(creem.webhook_secret, body, headers["creem-signature"])
        assert body == creem.signed(event)[0]
    assert creem.deliver(creem.events[0]) == 200  # a resend: the same event id
    assert json.loads(receiver.received[-1][1])["id"] == creem.events[0]["id"]
    assert len(creem.deliveries) == 3


def test_held_events_are_released_in_the_order_asked(
    creem: CreemServer, api: httpx.Client, receiver: _Receiver
) -> None:
    creem.webhook_url, creem.hold = receiver.url, True
    creem.complete(_open(api, product=PLAN)["id"])
    assert receiver.received == [] and creem.deliveries == []
    assert _types(creem.held) == ["checkout.completed", "subscription.paid"]
    made = creem.release(order=[1, 0])
    assert [kind for _, kind, _ in made] == ["subscription.paid", "checkout.completed"]
    assert [json.loads(body)["eventType"] for _, body in receiver.received] == [
        "subscription.paid",
        "checkout.completed",
    ]
    assert creem.held == []


def test_reset_keeps_the_products_only(creem: CreemServer, api: httpx.Client, receiver: _Receiver) -> None:
    creem.webhook_url, creem.hold = receiver.url, True
    creem.complete(_open(api)["id"])
    creem.reset()
    assert (creem.webhook_url, creem.hold, creem.events, creem.held, creem.requests) == (None, False, [], [], [])
    assert creem.checkouts() == []
    assert {product["id"] for product in creem.products()} == {PACK, PLAN}
