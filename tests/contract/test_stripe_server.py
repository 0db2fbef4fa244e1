"""The fake Stripe (tests/stripe_server.py) speaks what the real `stripe` 16.1.0 library expects, and signs its
webhooks so that `stripe.Webhook.construct_event` accepts them."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import stripe

from tests.stripe_server import API_VERSION, DEFAULT_WEBHOOK_SECRET, PERIOD_SECONDS, StripeServer

SUCCESS_URL = "http://app.test/billing?session_id={CHECKOUT_SESSION_ID}"
CANCEL_URL = "http://app.test/billing?canceled=1"
NOW = 1_800_000_000


@pytest.fixture(scope="module")
def running() -> Iterator[StripeServer]:
    """One fake Stripe for the module, with a one-time and a monthly catalog price; telemetry off."""
    telemetry = stripe.enable_telemetry
    stripe.enable_telemetry = False
    with StripeServer() as server:
        server.add_price("price_pack", unit_amount=1200, currency="usd", product_name="500 credits")
        server.add_price("price_monthly", unit_amount=900, currency="usd", recurring=True, product_name="Monthly")
        yield server
    stripe.enable_telemetry = telemetry


@pytest.fixture
def server(running: StripeServer) -> StripeServer:
    """The module's server, reset (prices kept)."""
    running.reset()
    return running


@pytest.fixture
def client(server: StripeServer) -> stripe.StripeClient:
    """The real library, as the app builds it, pointed at the fake."""
    return stripe.StripeClient("sk_test_x", base_addresses={"api": server.url}, max_network_retries=2)


class _Receiver(BaseHTTPRequestHandler):
    """Keeps each POST (headers and raw body) on its server and answers its server's status."""

    server: _WebhookServer

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.server.lock:
            self.server.posts.append(({name.lower(): value for name, value in self.headers.items()}, body))
        self.send_response(self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet."""


class _WebhookServer(ThreadingHTTPServer):
    """A tiny webhook receiver."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Receiver)
        self.lock = threading.Lock()
        self.posts: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        self.url = f"http://127.0.0.1:{self.server_address[1]}/webhooks/stripe"


@pytest.fixture
def receiver() -> Iterator[_WebhookServer]:
    """A webhook receiver on a free port, for this test."""
    hook = _WebhookServer()
    thread = threading.Thread(target=hook.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield hook
    hook.shutdown()
    hook.server_close()
    thread.join(timeout=5)


def _pack(**extra: Any) -> dict[str, Any]:
    """The app's payment-mode checkout params, with price_data."""
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {"currency": "usd", "unit_amount": 500, "product_data": {"name": "100 credits"}},
                "quantity": 1,
            }
        ],
        "client_reference_id": "user_42",
        "metadata": {"order": "ord_1", "offer": "pack_100"},
        "payment_intent_data": {"metadata": {"order": "ord_1"}},
        "success_url": SUCCESS_URL,
        "cancel_url": CANCEL_URL,
    }
    params.update(extra)
    return params


def _monthly(**extra: Any) -> dict[str, Any]:
    """The app's subscription checkout params, with price_data and a monthly interval."""
    params: dict[str, Any] = {
        "mode": "subscription",
        "line_items": [
            {
                "price_data": {
                    "currency": "usd",
                    "unit_amount": 900,
                    "product_data": {"name": "Monthly"},
                    "recurring": {"interval": "month"},
                },
                "quantity": 1,
            }
        ],
        "client_reference_id": "user_42",
        "metadata": {"order": "ord_2", "offer": "monthly"},
        "subscription_data": {"metadata": {"order": "ord_2"}},
        "success_url": SUCCESS_URL,
        "cancel_url": CANCEL_URL,
    }
    params.update(extra)
    return params


def _verify(server: StripeServer, event: dict[str, Any]) -> stripe.Event:
    """The event as the app's webhook would read it: signed by the server, verified by the library."""
    body, headers = server.signed(event)
    return stripe.Webhook.construct_event(body, headers["Stripe-Signature"], server.webhook_secret)


# -- Checkout Session creation -------------------------------------------------------------------------------------


def test_payment_session_with_price_data(server: StripeServer, client: stripe.StripeClient) -> None:
    session = client.v1.checkout.sessions.create(_pack())

    assert session.id.startswith("cs_test_")
    assert session.object == "checkout.session"
    assert session.url == f"{server.url}/pay/{session.id}"
    assert (session.mode, session.status, session.payment_status) == ("payment", "open", "unpaid")
    assert (session.amount_total, session.currency) == (500, "usd")
    assert session.client_reference_id == "user_42"
    assert session.metadata.to_dict() == {"order": "ord_1", "offer": "pack_100"}
    assert session.payment_intent is None and session.subscription is None and session.customer is None
    assert session.success_url == SUCCESS_URL and session.livemode is False
    (request,) = server.requests
    assert (request.method, request.path) == ("POST", "/v1/checkout/sessions")
    assert request.headers["Authorization"] == "Bearer sk_test_x"
    assert request.headers["Stripe-Version"] == API_VERSION
    assert request.headers["Idempotency-Key"]  # the library adds one to every POST
    assert request.form == {
        "mode": "payment",
        "line_items[0][price_data][currency]": "usd",
        "line_items[0][price_data][unit_amount]": "500",
        "line_items[0][price_data][product_data][name]": "100 credits",
        "line_items[0][quantity]": "1",
        "client_reference_id": "user_42",
        "metadata[order]": "ord_1",
        "metadata[offer]": "pack_100",
        "payment_intent_data[metadata][order]": "ord_1",
        "success_url": SUCCESS_URL,
        "cancel_url": CANCEL_URL,
    }


def test_session_with_a_catalog_price_and_an_unknown_one(server: StripeServer, client: stripe.StripeClient) -> None:
    session = client.v1.checkout.sessions.create(_pack(line_items=[{"price": "price_pack", "quantity": 2}]))
    assert session.amount_total == 2400
    assert server.requests[-1].form["line_items[0][price]"] == "price_pack"

    with pytest.raises(stripe.InvalidRequestError) as unknown:
        client.v1.checkout.sessions.create(_pack(line_items=[{"price": "price_nope", "quantity": 1}]))
    assert (unknown.value.param, unknown.value.code, unknown.value.http_status) == (
        "line_items[0][price]",
        "resource_missing",
        400,
    )


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"mode": None}, "mode"),
        ({"success_url": None}, "success_url"),
        ({"line_items": None}, "line_items"),
        ({"sucess_url": "typo"}, "sucess_url"),
    ],
)
def test_refused_sessions_name_the_param(client: stripe.StripeClient, params: dict[str, Any], param: str) -> None:
    body = {key: value for key, value in _pack(**params).items() if value is not None}
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.checkout.sessions.create(body)
    assert (refused.value.param, refused.value.http_status) == (param, 400)


def test_prices_must_fit_the_mode(server: StripeServer, client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as recurring:
        client.v1.checkout.sessions.create(_pack(line_items=[{"price": "price_monthly", "quantity": 1}]))
    assert recurring.value.param == "line_items[0][price]"
    with pytest.raises(stripe.InvalidRequestError) as one_time:
        client.v1.checkout.sessions.create(_monthly(line_items=[{"price": "price_pack", "quantity": 1}]))
    assert one_time.value.param == "line_items"
    assert server.sessions() == []


def test_idempotency_key_replays_and_refuses_other_params(server: StripeServer, client: stripe.StripeClient) -> None:
    first = client.v1.checkout.sessions.create(_pack(), {"idempotency_key": "checkout:ord_1"})
    again = client.v1.checkout.sessions.create(_pack(), {"idempotency_key": "checkout:ord_1"})

    assert again.id == first.id
    assert len(server.sessions()) == 1
    assert again.last_response.headers["Idempotent-Replayed"] == "true"
    with pytest.raises(stripe.IdempotencyError) as refused:
        client.v1.checkout.sessions.create(_pack(client_reference_id="user_43"), {"idempotency_key": "checkout:ord_1"})
    assert refused.value.http_status == 400
    assert refused.value.error is not None and refused.value.error.type == "idempotency_error"
    assert len(server.sessions()) == 1


def test_the_api_needs_a_secret_key(server: StripeServer) -> None:
    publishable = stripe.StripeClient("pk_test_x", base_addresses={"api": server.url}, max_network_retries=2)
    with pytest.raises(stripe.AuthenticationError) as refused:
        publishable.v1.checkout.sessions.create(_pack())
    assert refused.value.http_status == 401
    assert len(server.requests) == 1  # asked once: a 401 is not retried

    bare = httpx.post(f"{server.url}/v1/checkout/sessions", data={"mode": "payment"})
    assert bare.status_code == 401
    assert bare.json()["error"]["type"] == "invalid_request_error"
    assert server.sessions() == []


# -- retrieve, complete, subscriptions -----------------------------------------------------------------------------


def test_retrieve_reflects_complete(server: StripeServer, client: stripe.StripeClient) -> None:
    created = client.v1.checkout.sessions.create(_pack())
    assert client.v1.checkout.sessions.retrieve(created.id, {"expand": ["line_items"]}).status == "open"
    assert server.requests[-1].query == {"expand[0]": ["line_items"]}

    server.complete(created.id)

    session = client.v1.checkout.sessions.retrieve(created.id)
    assert (session.status, session.payment_status) == ("complete", "paid")
    assert session.payment_intent.startswith("pi_")
    assert server.payment_intent(session.payment_intent)["metadata"] == {"order": "ord_1"}
    charge = server.charge_for(session.payment_intent)
    assert (charge["amount"], charge["amount_refunded"], charge["refunded"]) == (500, 0, False)
    assert [event["type"] for event in server.events] == ["checkout.session.completed"]
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.checkout.sessions.retrieve("cs_test_unknown")
    assert (missing.value.http_status, missing.value.code) == (404, "resource_missing")


def test_subscription_checkout_emits_completed_then_invoice_paid(
    server: StripeServer, client: stripe.StripeClient
) -> None:
    server.now = NOW
    created = client.v1.checkout.sessions.create(_monthly())
    assert "line_items[0][price_data][recurring][interval]" in server.requests[-1].form

    session = server.complete(created.id)

    completed, paid = server.events
    assert (completed["type"], paid["type"]) == ("checkout.session.completed", "invoice.paid")
    event = _verify(server, paid)
    invoice = event.data.object
    assert isinstance(invoice, stripe.Invoice)
    assert invoice.parent.subscription_details.metadata["order"] == "ord_2"
    assert invoice.parent.subscription_details.subscription == session["subscription"]
    assert (invoice.billing_reason, invoice.amount_paid, invoice.id) == ("subscription_create", 900, session["invoice"])
    assert "subscription" not in invoice and "charge" not in invoice and "payment_intent" not in invoice
    payment_intent = invoice.payments.data[0].payment.payment_intent
    assert server.charge_for(payment_intent)["amount"] == 900
    assert invoice.lines.data[0].period.to_dict() == {"start": NOW, "end": NOW + PERIOD_SECONDS}
    subscription = client.v1.subscriptions.retrieve(session["subscription"])
    assert (subscription.status, subscription.customer) == ("active", session["customer"])
    assert subscription["items"].data[0].current_period_end == NOW + PERIOD_SECONDS


def test_cancel_at_period_end_then_renew_deletes(server: StripeServer, client: stripe.StripeClient) -> None:
    server.now = NOW
    sub_id = server.complete(client.v1.checkout.sessions.create(_monthly()).id)["subscription"]

    renewal = server.renew(sub_id)
    assert renewal is not None and renewal["billing_reason"] == "subscription_cycle"
    assert renewal["lines"]["data"][0]["period"] == {"start": NOW + PERIOD_SECONDS, "end": NOW + 2 * PERIOD_SECONDS}

    updated = client.v1.subscriptions.update(sub_id, {"cancel_at_period_end": True})
    assert updated.cancel_at_period_end is True
    assert server.requests[-1].form == {"cancel_at_period_end": "true"}
    assert server.events[-1]["type"] == "customer.subscription.updated"

    assert server.renew(sub_id) is None
    assert server.events[-1]["type"] == "customer.subscription.deleted"
    assert client.v1.subscriptions.retrieve(sub_id).status == "canceled"
    assert [event["type"] for event in server.events] == [
        "checkout.session.completed",
        "invoice.paid",
        "invoice.paid",
        "customer.subscription.updated",
        "customer.subscription.deleted",
    ]


def test_async_payment_refund_and_dispute(server: StripeServer, client: stripe.StripeClient) -> None:
    slow = server.complete(client.v1.checkout.sessions.create(_pack()).id, async_payment=True)
    assert (slow["status"], slow["payment_status"]) == ("complete", "unpaid")
    assert server.succeed_async(slow["id"])["payment_status"] == "paid"
    failing = server.complete(client.v1.checkout.sessions.create(_pack()).id, async_payment=True)
    server.fail_async(failing["id"])

    pi = slow["payment_intent"]
    server.refund(pi, 200)
    assert server.refund(pi)["refunded"] is True
    dispute = server.dispute(pi)
    server.close_dispute(dispute["id"], "won")

    assert [event["type"] for event in server.events] == [
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.completed",
        "checkout.session.async_payment_failed",
        "charge.refunded",
        "charge.refunded",
        "charge.dispute.created",
        "charge.dispute.closed",
    ]
    refunds = [_verify(server, event).data.object for event in server.events_of("charge.refunded")]
    assert [(charge.amount_refunded, charge.refunded, charge.payment_intent) for charge in refunds] == [
        (200, False, pi),
        (500, True, pi),
    ]
    closed = _verify(server, server.events[-1]).data.object
    assert (closed.status, closed.payment_intent, closed.amount) == ("won", pi, 500)


# -- signatures, the hosted page, deliveries -----------------------------------------------------------------------


def test_every_event_verifies_and_a_tampered_one_does_not(server: StripeServer, client: stripe.StripeClient) -> None:
    session = server.complete(client.v1.checkout.sessions.create(_monthly()).id)
    server.renew(session["subscription"])
    server.refund(server.invoice(session["invoice"])["payments"]["data"][0]["payment"]["payment_intent"], 100)

    for event in server.events:
        body, headers = server.signed(event)
        verified = stripe.Webhook.construct_event(body, headers["Stripe-Signature"], DEFAULT_WEBHOOK_SECRET)
        assert (verified.id, verified.type, verified.api_version) == (event["id"], event["type"], API_VERSION)
        assert verified.livemode is False and verified.object == "event"
        with pytest.raises(stripe.SignatureVerificationError):
            stripe.Webhook.construct_event(
                body.replace(b"paid", b"PAID"), headers["Stripe-Signature"], server.webhook_secret
            )
    body, headers = server.signed(server.events[0], timestamp=int(time.time()) - 301)
    with pytest.raises(stripe.SignatureVerificationError, match="tolerance"):
        stripe.Webhook.construct_event(body, headers["Stripe-Signature"], server.webhook_secret)


def test_hosted_page_pays_and_redirects(server: StripeServer, client: stripe.StripeClient) -> None:
    session = client.v1.checkout.sessions.create(_pack())
    page = httpx.get(session.url)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<html lang="en">' in page.text and "<title>Test checkout</title>" in page.text
    assert "100 credits" in page.text and "5.00 USD" in page.text
    assert ">Pay</button>" in page.text and ">Cancel</button>" in page.text
    assert 'name="action" value="pay"' in page.text and 'name="action" value="cancel"' in page.text

    canceled = httpx.post(session.url, data={"action": "cancel"}, follow_redirects=False)
    assert (canceled.status_code, canceled.headers["location"]) == (303, CANCEL_URL)
    assert server.session(session.id)["status"] == "open" and server.events == []

    paid = httpx.post(session.url, data={"action": "pay"}, follow_redirects=False)
    assert paid.status_code == 303
    location = urlsplit(paid.headers["location"])
    assert (location.netloc, location.path) == ("app.test", "/billing")
    assert parse_qs(location.query) == {"session_id": [session.id]}
    assert client.v1.checkout.sessions.retrieve(session.id).payment_status == "paid"
    assert "This checkout session is complete." in httpx.get(f"{server.url}/pay/{session.id}").text


def test_deliveries_arrive_signed(server: StripeServer, client: stripe.StripeClient, receiver: _WebhookServer) -> None:
    server.webhook_url = receiver.url
    session = server.complete(client.v1.checkout.sessions.create(_pack()).id)

    (event,) = server.events
    assert server.deliveries == [(event["id"], "checkout.session.completed", 200)]
    ((headers, body),) = receiver.posts
    assert headers["content-type"].startswith("application/json")
    verified = stripe.Webhook.construct_event(body, headers["stripe-signature"], server.webhook_secret)
    assert verified.id == event["id"] and verified.data.object.id == session["id"]

    receiver.status = 500
    assert server.deliver(event) == 500  # a resend: same id, freshly signed
    assert server.deliveries[-1] == (event["id"], "checkout.session.completed", 500)
    assert (
        stripe.Webhook.construct_event(
            receiver.posts[-1][1], receiver.posts[-1][0]["stripe-signature"], server.webhook_secret
        ).id
        == event["id"]
    )


def test_hold_and_release_reorder(server: StripeServer, client: stripe.StripeClient, receiver: _WebhookServer) -> None:
    server.webhook_url = receiver.url
    server.hold = True
    server.complete(client.v1.checkout.sessions.create(_monthly()).id)
    completed, paid = server.held
    assert receiver.posts == [] and server.deliveries == []

    released = server.release(order=[paid["id"], completed["id"]])

    assert [event["id"] for event in released] == [paid["id"], completed["id"]]
    arrived = [
        stripe.Webhook.construct_event(body, h["stripe-signature"], server.webhook_secret) for h, body in receiver.posts
    ]
    assert [event.type for event in arrived] == ["invoice.paid", "checkout.session.completed"]
    assert server.held == []


def test_reset_keeps_prices(server: StripeServer, client: stripe.StripeClient) -> None:
    server.complete(client.v1.checkout.sessions.create(_pack(line_items=[{"price": "price_pack", "quantity": 1}])).id)
    server.webhook_url, server.hold = "http://127.0.0.1:9/", True
    server.reset()
    assert (server.events, server.requests, server.sessions(), server.webhook_url, server.hold) == (
        [],
        [],
        [],
        None,
        False,
    )
    assert (
        client.v1.checkout.sessions.create(_pack(line_items=[{"price": "price_pack", "quantity": 1}])).amount_total
        == 1200
    )
