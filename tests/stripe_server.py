"""A local server that speaks the small part of Stripe's API the app uses, for driving the real `stripe` 16.1.0.

Point the library at it (see the billing research notes, sections 1.6 and 5b):
`stripe.StripeClient("sk_test_x", base_addresses={"api": server.url}, max_network_retries=2)`, with
`stripe.enable_telemetry = False`.

It answers `POST /v1/checkout/sessions` (Stripe's bracket-notation form body, `Idempotency-Key` honoured),
`GET /v1/checkout/sessions/{id}` and `GET|POST|DELETE /v1/subscriptions/{id}`, with objects shaped like API version
2026-10-28.endive. It serves a hosted checkout page at `/pay/{session id}` ("Pay" / "Cancel"). Tests drive what
happens after checkout with control methods (`complete`, `succeed_async`, `fail_async`, `refund`, `dispute`,
`close_dispute`, `renew`, ...), each emitting the events Stripe would send, signed like Stripe signs them, to
`webhook_url` (synchronously), or held back in `held` until `release` sends them in any order.

What it does not do: validate everything Stripe validates, expand anything, or emit the many events the app does
not handle (payment_intent.*, charge.succeeded, customer.created, invoice.created, ...). Every subscription period is
30 days, whatever the price's interval. Before launch, do one pass against Stripe's real test mode.

Run `python tests/stripe_server.py [--port 12111] [--webhook-url URL] [--price price_x=500] [--price price_m=900/month]`
to try the app by hand.
"""

from __future__ import annotations

import argparse
import base64
import copy
import html
import json
import re
import secrets
import string
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import httpx
import stripe

if not __package__:  # run as `python tests/stripe_server.py`: put the project root on the path for `tests.` imports
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.local_http import LocalHttpServer, Reply, html_reply, json_reply  # noqa: E402
from tests.local_http import Received as Received  # noqa: E402

API_VERSION = "2026-10-28.endive"
DEFAULT_WEBHOOK_SECRET = "whsec_test_local"
PERIOD_SECONDS = 30 * 24 * 3600  # every subscription period, whatever the interval
SESSION_LIFETIME = 24 * 3600  # Checkout Sessions expire after 24 hours by default
WEBHOOK_USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"
SESSION_ID_PLACEHOLDER = "{CHECKOUT_SESSION_ID}"

# Top-level Checkout Session parameters Stripe knows that this server accepts and ignores; anything else that is
# not handled is refused as Stripe refuses it ("Received unknown parameter"), so a misspelt field fails loudly.
IGNORED_SESSION_PARAMS = frozenset(
    {
        "allow_promotion_codes",
        "automatic_tax",
        "billing_address_collection",
        "consent_collection",
        "custom_text",
        "customer",
        "customer_creation",
        "customer_email",
        "discounts",
        "expand",
        "expires_at",
        "invoice_creation",
        "locale",
        "payment_method_collection",
        "payment_method_types",
        "phone_number_collection",
        "saved_payment_method_options",
        "submit_type",
        "tax_id_collection",
        "ui_mode",
    }
)
SESSION_PARAMS = IGNORED_SESSION_PARAMS | {
    "cancel_url",
    "client_reference_id",
    "line_items",
    "metadata",
    "mode",
    "payment_intent_data",
    "subscription_data",
    "success_url",
}
SUBSCRIPTION_UPDATE_PARAMS = frozenset({"cancel_at_period_end", "metadata", "expand"})
INTERVALS = ("day", "week", "month", "year")

_SESSIONS_PATH = re.compile(r"/v1/checkout/sessions/(?P<id>[^/]+)")
_SUBSCRIPTION_PATH = re.compile(r"/v1/subscriptions/(?P<id>[^/]+)")
_PAY_PATH = re.compile(r"/pay/(?P<id>[^/]+)")
_LINE_ITEM_KEY = re.compile(r"line_items\[(?P<index>\d+)\]")
_ID_ALPHABET = string.ascii_letters + string.digits

Obj = dict[str, Any]
"""A Stripe object or event as JSON-ready data."""


@dataclass(frozen=True)
class Price:
    """A catalog Price the server knows, for `line_items[n][price]`."""

    id: str
    unit_amount: int
    currency: str = "usd"
    recurring: bool = False
    interval: str = "month"  # only meaningful when recurring
    product_name: str = "Test product"

    def to_json(self) -> Obj:
        """The Price object as Stripe shows it inside a subscription item."""
        return {
            "id": self.id,
            "object": "price",
            "unit_amount": self.unit_amount,
            "currency": self.currency,
            "type": "recurring" if self.recurring else "one_time",
            "recurring": {"interval": self.interval, "interval_count": 1} if self.recurring else None,
            "livemode": False,
        }


@dataclass(frozen=True)
class _Item:
    """One line item of a Checkout Session."""

    price: Price
    quantity: int

    @property
    def amount(self) -> int:
        """unit amount × quantity."""
        return self.price.unit_amount * self.quantity


@dataclass
class _Checkout:
    """A Checkout Session and what the server keeps beside it."""

    obj: Obj
    items: list[_Item]
    subscription_metadata: dict[str, str]
    payment_intent_metadata: dict[str, str]
    async_pending: bool = False  # completed with a delayed payment method, not yet succeeded or failed


@dataclass(frozen=True)
class _Saved:
    """The first answer to an idempotency key, replayed to the same request."""

    method: str
    path: str
    form: dict[str, str]
    reply: Reply


class _ApiError(Exception):
    """An error answered in Stripe's shape: {"error": {"type", "message", "param"?, "code"?}}."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.type, self.param, self.code = status, message, type, param, code

    def reply(self) -> Reply:
        """The error as an HTTP answer."""
        error: Obj = {"type": self.type, "message": self.message}
        if self.param is not None:
            error["param"] = self.param
        if self.code is not None:
            error["code"] = self.code
        return json_reply(self.status, {"error": error})


def _redirect(location: str) -> Reply:
    """A 303 See Other, as a browser form post expects."""
    return Reply(303, b"", "text/plain", {"Location": location})


def new_id(prefix: str, length: int = 24) -> str:
    """A Stripe-looking object id: the prefix, then random letters and digits."""
    return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(length))


def _missing(param: str) -> _ApiError:
    """Stripe's error for a required parameter left out."""
    return _ApiError(400, f"Missing required param: {param}.", param=param, code="parameter_missing")


def _no_such(kind: str, object_id: str, param: str, status: int = 404) -> _ApiError:
    """Stripe's error for an unknown object: 404 when it is the one asked for, 400 when a parameter names it."""
    return _ApiError(status, f"No such {kind}: '{object_id}'", param=param, code="resource_missing")


def _sub_dict(form: dict[str, str], prefix: str) -> dict[str, str]:
    """The one-level hash `prefix[key]=value` in a form, e.g. metadata."""
    found: dict[str, str] = {}
    for key, value in form.items():
        if key.startswith(prefix + "[") and key.endswith("]"):
            inner = key[len(prefix) + 1 : -1]
            if "[" not in inner and "]" not in inner:
                found[inner] = value
    return found


def _integer(form: dict[str, str], param: str, minimum: int) -> int:
    """A required integer parameter, at least `minimum`."""
    raw = form.get(param)
    if raw is None:
        raise _missing(param)
    try:
        value = int(raw)
    except ValueError:
        raise _ApiError(400, f"Invalid integer: {raw}", param=param) from None
    if value < minimum:
        raise _ApiError(400, f"This value must be greater than or equal to {minimum}.", param=param)
    return value


def _boolean(raw: str, param: str) -> bool:
    """A boolean form value as Stripe reads it."""
    if raw in ("true", "false"):
        return raw == "true"
    raise _ApiError(400, f"Invalid boolean: {raw}", param=param)


def _top_level(key: str) -> str:
    """The parameter a bracket key belongs to: "line_items" for "line_items[0][price]"."""
    return key.split("[", 1)[0]


def money(amount: int, currency: str) -> str:
    """An amount in minor units as the checkout page shows it, e.g. "5.00 USD"."""
    return f"{amount / 100:.2f} {currency.upper()}"


def _session_page(checkout: _Checkout) -> str:
    """The hosted checkout page: the order, a "Pay" and a "Cancel" button (or where the session stands)."""
    session = checkout.obj
    sid = html.escape(quote(session["id"]))
    rows = "".join(
        "<tr>"
        f"<td>{html.escape(item.price.product_name)}</td>"
        f"<td>{item.quantity}</td>"
        f"<td>{money(item.amount, item.price.currency)}"
        f"{' / ' + html.escape(item.price.interval) if item.price.recurring else ''}</td>"
        "</tr>"
        for item in checkout.items
    )
    total = money(session["amount_total"], session["currency"])
    if session["status"] == "open":
        actions = (
            f'<form method="post" action="/pay/{sid}"><input type="hidden" name="action" value="pay">'
            '<button type="submit" class="pay">Pay</button></form>'
            f'<form method="post" action="/pay/{sid}"><input type="hidden" name="action" value="cancel">'
            '<button type="submit" class="cancel">Cancel</button></form>'
        )
    else:
        back = session["success_url"] if session["status"] == "complete" else session["cancel_url"]
        back = back.replace(SESSION_ID_PLACEHOLDER, session["id"])
        actions = (
            f'<p role="status">This checkout session is {html.escape(session["status"])}.</p>'
            f'<p><a href="{html.escape(back)}">Return to the site</a></p>'
        )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Test checkout</title>
<link rel="icon" href="data:,">
<style>
body {{ font-family: system-ui, sans-serif; margin: 0; padding: 1rem; color: #1a1a1a; background: #f6f7f9; }}
main {{ max-width: 32rem; margin: 2rem auto; padding: 1.5rem; background: #fff; border-radius: 0.5rem; }}
table {{ width: 100%; border-collapse: collapse; margin: 1rem 0; }}
caption {{ text-align: left; font-weight: 600; }}
th, td {{ text-align: left; padding: 0.5rem 0.25rem; border-bottom: 1px solid #d0d4da; }}
.actions {{ display: flex; gap: 0.75rem; flex-wrap: wrap; }}
button {{ font: inherit; padding: 0.6rem 1.4rem; border-radius: 0.375rem; cursor: pointer; }}
button.pay {{ background: #0b5d3b; color: #fff; border: 2px solid #0b5d3b; }}
button.cancel {{ background: #fff; color: #1a1a1a; border: 2px solid #4a4f57; }}
button:focus-visible, a:focus-visible {{ outline: 3px solid #1d4ed8; outline-offset: 2px; }}
a {{ color: #1d4ed8; }}
</style>
</head>
<body>
<main>
<h1>Test checkout</h1>
<p>A local stand-in for Stripe Checkout (test mode): no money moves.</p>
<table>
<caption>Order summary</caption>
<thead><tr><th scope="col">Item</th><th scope="col">Quantity</th><th scope="col">Amount</th></tr></thead>
<tbody>{rows}</tbody>
<tfoot><tr><th scope="row" colspan="2">Total</th><td>{total}</td></tr></tfoot>
</table>
<div class="actions">{actions}</div>
</main>
</body>
</html>
"""


def _message_page(status: int, message: str) -> Reply:
    """A plain accessible page for errors on the hosted checkout."""
    page = (
        '<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Test checkout</title>'
        '<link rel="icon" href="data:,"></head>\n'
        f"<body><main><h1>Test checkout</h1><p>{html.escape(message)}</p></main></body>\n</html>\n"
    )
    return html_reply(status, page)


class StripeServer(LocalHttpServer):
    """A fake Stripe on 127.0.0.1: Checkout Sessions, subscriptions, a hosted checkout page and signed webhooks.

    Attributes a test reads or sets:
    - `url`: "http://127.0.0.1:<port>" once started.
    - `requests`: every request received, as `Received`, in order.
    - `events`: every event emitted, in order (dicts, each built once; resending keeps its id).
    - `webhook_url`: where events are POSTed (None: nowhere). `webhook_secret`: the signing secret.
    - `hold`: while True, new events queue in `held` instead of being sent; `release()` sends them.
    - `deliveries`: (event id, event type, HTTP status or None when unreachable) per attempt.
    - `now`: the server clock in unix seconds (real time unless set; set None to go back to real time).

    Object getters and control methods return deep copies: changing them changes nothing on the server.
    """

    thread_name = "stripe-server"

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.RLock()
        self._now: int | None = None
        self._prices: dict[str, Price] = {}
        self._checkouts: dict[str, _Checkout] = {}
        self._subscriptions: dict[str, Obj] = {}
        self._recurring: dict[str, list[_Item]] = {}  # subscription id -> its line items, for renewal invoices
        self._invoices: dict[str, Obj] = {}
        self._payment_intents: dict[str, Obj] = {}
        self._charges: dict[str, Obj] = {}  # by payment intent id
        self._disputes: dict[str, Obj] = {}
        self._saved: dict[tuple[str, str], _Saved] = {}  # (API key, idempotency key) -> first answer
        self.requests: list[Received] = []
        self.events: list[Obj] = []
        self.held: list[Obj] = []
        self.deliveries: list[tuple[str, str, int | None]] = []
        self.webhook_url: str | None = None
        self.webhook_secret = DEFAULT_WEBHOOK_SECRET
        self.hold = False

    # -- lifecycle ---------------------------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget everything but the prices: objects, requests, events, deliveries, idempotency keys and the clock;
        webhook_url None, hold False, webhook_secret the default."""
        with self._lock:
            self._now = None
            self._checkouts.clear()
            self._subscriptions.clear()
            self._recurring.clear()
            self._invoices.clear()
            self._payment_intents.clear()
            self._charges.clear()
            self._disputes.clear()
            self._saved.clear()
            self.requests.clear()
            self.events.clear()
            self.held.clear()
            self.deliveries.clear()
            self.webhook_url = None
            self.webhook_secret = DEFAULT_WEBHOOK_SECRET
            self.hold = False

    @property
    def now(self) -> int:
        """The server clock in unix seconds: real time, unless a test set it."""
        return self._now if self._now is not None else int(time.time())

    @now.setter
    def now(self, value: int | None) -> None:
        self._now = None if value is None else int(value)

    # -- catalog and inspection --------------------------------------------------------------------------------

    def add_price(
        self,
        price_id: str,
        *,
        unit_amount: int,
        currency: str = "usd",
        recurring: bool = False,
        interval: str = "month",
        product_name: str = "Test product",
    ) -> Price:
        """Make a catalog Price known, for `line_items[n][price]`; prices survive `reset()`."""
        if interval not in INTERVALS:
            raise ValueError(f"interval must be one of {INTERVALS}, not {interval!r}")
        price = Price(price_id, unit_amount, currency.lower(), recurring, interval, product_name)
        with self._lock:
            self._prices[price_id] = price
        return price

    def session(self, session_id: str) -> Obj:
        """The Checkout Session as it stands (KeyError if unknown)."""
        with self._lock:
            return copy.deepcopy(self._checkouts[session_id].obj)

    def sessions(self) -> list[Obj]:
        """Every Checkout Session created, in order."""
        with self._lock:
            return [copy.deepcopy(checkout.obj) for checkout in self._checkouts.values()]

    def subscription(self, subscription_id: str) -> Obj:
        """The Subscription as it stands (KeyError if unknown)."""
        with self._lock:
            return copy.deepcopy(self._subscriptions[subscription_id])

    def invoice(self, invoice_id: str) -> Obj:
        """The Invoice (KeyError if unknown)."""
        with self._lock:
            return copy.deepcopy(self._invoices[invoice_id])

    def payment_intent(self, payment_intent_id: str) -> Obj:
        """The PaymentIntent (KeyError if unknown): its `metadata` is the session's payment_intent_data.metadata."""
        with self._lock:
            return copy.deepcopy(self._payment_intents[payment_intent_id])

    def charge_for(self, payment_intent: str) -> Obj:
        """The Charge of a PaymentIntent as it stands (KeyError if none)."""
        with self._lock:
            return copy.deepcopy(self._charges[payment_intent])

    def events_of(self, event_type: str) -> list[Obj]:
        """The emitted events of one type, in order."""
        with self._lock:
            return [event for event in self.events if event["type"] == event_type]

    # -- control: what happens after checkout ------------------------------------------------------------------

    def complete(self, session_id: str, *, async_payment: bool = False) -> Obj:
        """The customer pays: the session becomes complete; return it.

        Payment mode: a PaymentIntent and its Charge (unless `async_payment`: then payment_status stays "unpaid" until
        `succeed_async` or `fail_async`); emits checkout.session.completed. Subscription mode: a customer, an active
        subscription and its first paid invoice; emits checkout.session.completed, then invoice.paid.
        """
        with self._lock:
            checkout = self._open(session_id)
            session = checkout.obj
            if async_payment and session["mode"] != "payment":
                raise ValueError("async_payment is only for payment mode here")
            session["status"], session["url"] = "complete", None
            if session["mode"] == "payment":
                payment_intent = self._new_payment_intent(
                    session["amount_total"], session["currency"], checkout.payment_intent_metadata
                )
                session["payment_intent"] = payment_intent
                if async_payment:
                    checkout.async_pending = True
                else:
                    self._new_charge(payment_intent, session["amount_total"], session["currency"])
                    session["payment_status"] = "paid"
                sending = [self._record("checkout.session.completed", session)]
            else:
                customer = new_id("cus_")
                subscription = self._new_subscription(checkout, customer)
                start = subscription["start_date"]
                invoice = self._new_invoice(
                    subscription,
                    "subscription_create",
                    amount=session["amount_total"],
                    items=checkout.items,
                    lines_period=(start, start + PERIOD_SECONDS),
                    period=(start, start),  # Stripe: a subscription's first invoice covers no past period
                )
                session.update(
                    customer=customer, subscription=subscription["id"], invoice=invoice["id"], payment_status="paid"
                )
                sending = [self._record("checkout.session.completed", session), self._record("invoice.paid", invoice)]
            result = copy.deepcopy(session)
        self._send(sending)
        return result

    def succeed_async(self, session_id: str) -> Obj:
        """A delayed payment succeeds: the Charge is made, payment_status "paid";
        emits checkout.session.async_payment_succeeded. Returns the session."""
        with self._lock:
            checkout = self._async_pending(session_id)
            session = checkout.obj
            checkout.async_pending = False
            self._new_charge(session["payment_intent"], session["amount_total"], session["currency"])
            session["payment_status"] = "paid"
            sending = [self._record("checkout.session.async_payment_succeeded", session)]
            result = copy.deepcopy(session)
        self._send(sending)
        return result

    def fail_async(self, session_id: str) -> Obj:
        """A delayed payment fails: payment_status stays "unpaid"; emits checkout.session.async_payment_failed."""
        with self._lock:
            checkout = self._async_pending(session_id)
            checkout.async_pending = False
            self._payment_intents[checkout.obj["payment_intent"]]["status"] = "requires_payment_method"
            sending = [self._record("checkout.session.async_payment_failed", checkout.obj)]
            result = copy.deepcopy(checkout.obj)
        self._send(sending)
        return result

    def expire(self, session_id: str) -> Obj:
        """An open session expires unpaid; emits checkout.session.expired."""
        with self._lock:
            checkout = self._open(session_id)
            checkout.obj["status"], checkout.obj["url"] = "expired", None
            sending = [self._record("checkout.session.expired", checkout.obj)]
            result = copy.deepcopy(checkout.obj)
        self._send(sending)
        return result

    def refund(self, payment_intent: str, amount: int | None = None) -> Obj:
        """Refund part (or, with amount None, the rest) of a payment; emits charge.refunded. Returns the Charge.

        `amount_refunded` is cumulative; `refunded` turns True once the whole amount is refunded.
        """
        with self._lock:
            charge = self._charge(payment_intent)
            remaining = charge["amount"] - charge["amount_refunded"]
            amount = remaining if amount is None else amount
            if not 0 < amount <= remaining:
                raise ValueError(f"cannot refund {amount}: {remaining} of {charge['amount']} is left to refund")
            previous = {"amount_refunded": charge["amount_refunded"], "refunded": charge["refunded"]}
            charge["amount_refunded"] += amount
            charge["refunded"] = charge["amount_refunded"] == charge["amount"]
            sending = [self._record("charge.refunded", charge, previous_attributes=previous)]
            result = copy.deepcopy(charge)
        self._send(sending)
        return result

    def dispute(self, payment_intent: str, amount: int | None = None) -> Obj:
        """The customer disputes a payment (all of it unless `amount`); emits charge.dispute.created (status
        needs_response). Returns the Dispute."""
        with self._lock:
            charge = self._charge(payment_intent)
            dispute: Obj = {
                "id": new_id("dp_"),
                "object": "dispute",
                "amount": charge["amount"] if amount is None else amount,
                "currency": charge["currency"],
                "charge": charge["id"],
                "payment_intent": payment_intent,
                "status": "needs_response",
                "reason": "fraudulent",
                "is_charge_refundable": False,
                "created": self.now,
                "livemode": False,
                "metadata": {},
            }
            self._disputes[dispute["id"]] = dispute
            charge["disputed"] = True
            sending = [self._record("charge.dispute.created", dispute)]
            result = copy.deepcopy(dispute)
        self._send(sending)
        return result

    def close_dispute(self, dispute_id: str, status: str) -> Obj:
        """Close a dispute as "won" or "lost"; emits charge.dispute.closed. Returns the Dispute."""
        if status not in ("won", "lost"):
            raise ValueError(f"a dispute closes as 'won' or 'lost', not {status!r}")
        with self._lock:
            dispute = self._disputes[dispute_id]
            if dispute["status"] in ("won", "lost"):
                raise ValueError(f"dispute {dispute_id} is already closed ({dispute['status']})")
            previous = {"status": dispute["status"]}
            dispute["status"] = status
            sending = [self._record("charge.dispute.closed", dispute, previous_attributes=previous)]
            result = copy.deepcopy(dispute)
        self._send(sending)
        return result

    def renew(self, subscription_id: str) -> Obj | None:
        """The current period ends (30 days on).

        If `cancel_at_period_end`, the subscription becomes "canceled", customer.subscription.deleted is emitted and
        None returned. Otherwise the next period starts, a paid invoice (billing_reason subscription_cycle, its own
        PaymentIntent and Charge) is made, invoice.paid is emitted and the invoice returned.
        """
        with self._lock:
            subscription = self._subscriptions[subscription_id]
            if subscription["status"] != "active":
                raise ValueError(f"subscription {subscription_id} is {subscription['status']}")
            first = subscription["items"]["data"][0]
            start, end = first["current_period_start"], first["current_period_end"]
            if subscription["cancel_at_period_end"]:
                subscription.update(status="canceled", ended_at=end)
                subscription["canceled_at"] = subscription["canceled_at"] or self.now
                sending = [self._record("customer.subscription.deleted", subscription)]
                result = None
            else:
                for item in subscription["items"]["data"]:
                    item["current_period_start"], item["current_period_end"] = end, end + PERIOD_SECONDS
                items = self._recurring[subscription_id]
                invoice = self._new_invoice(
                    subscription,
                    "subscription_cycle",
                    amount=sum(item.amount for item in items),
                    items=items,
                    lines_period=(end, end + PERIOD_SECONDS),
                    period=(start, end),  # Stripe: an invoice's period looks back one period
                )
                sending = [self._record("invoice.paid", invoice)]
                result = copy.deepcopy(invoice)
        self._send(sending)
        return result

    # -- events and webhooks -----------------------------------------------------------------------------------

    def event(
        self,
        event_type: str,
        obj: Obj,
        *,
        previous_attributes: Obj | None = None,
        request_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Obj:
        """A new Event envelope (fresh evt_ id) around a snapshot of `obj`; not recorded, not sent."""
        data: Obj = {"object": copy.deepcopy(obj)}
        if previous_attributes is not None:
            data["previous_attributes"] = copy.deepcopy(previous_attributes)
        return {
            "id": new_id("evt_"),
            "object": "event",
            "api_version": API_VERSION,
            "created": self.now,
            "type": event_type,
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": request_id, "idempotency_key": idempotency_key},
            "data": data,
        }

    def emit(self, event_type: str, obj: Obj, *, previous_attributes: Obj | None = None) -> Obj:
        """Build an event, record it in `events` and send it (or hold it) like the control methods do."""
        with self._lock:
            event = self._record(event_type, obj, previous_attributes=previous_attributes)
        self._send([event])
        return event

    def signed(self, event: Obj, *, timestamp: int | None = None) -> tuple[bytes, dict[str, str]]:
        """The raw body and headers Stripe would POST for this event, signed now (or at `timestamp`)."""
        body = json.dumps(event, indent=2)
        signature = stripe.WebhookSignature.generate_signature_header(body, self.webhook_secret, timestamp)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": signature,
            "User-Agent": WEBHOOK_USER_AGENT,
        }
        return body.encode(), headers

    def deliver(self, event: Obj) -> int | None:
        """POST one event to `webhook_url` now (same id, freshly signed), whatever `hold` says; record the attempt in
        `deliveries` and return the status (None when unreachable)."""
        url = self.webhook_url
        if url is None:
            raise RuntimeError("webhook_url is not set")
        body, headers = self.signed(event)
        status: int | None
        try:
            with httpx.Client(trust_env=False, timeout=10.0) as client:
                status = client.post(url, content=body, headers=headers).status_code
        except httpx.HTTPError:
            status = None
        with self._lock:
            self.deliveries.append((event["id"], event["type"], status))
        return status

    def release(self, order: list[str] | None = None) -> list[Obj]:
        """Deliver held events: all, as queued; or only those whose ids are in `order`, in that order (the rest stay
        held). `hold` is left as it is. Returns the events released."""
        if self.webhook_url is None:
            raise RuntimeError("webhook_url is not set: nothing to release to")
        with self._lock:
            if order is None:
                batch, self.held = self.held, []
            else:
                by_id = {event["id"]: event for event in self.held}
                unknown = [event_id for event_id in order if event_id not in by_id]
                if unknown:
                    raise KeyError(f"not held: {unknown}")
                batch = [by_id[event_id] for event_id in order]
                self.held = [event for event in self.held if event["id"] not in set(order)]
        for event in batch:
            self.deliver(event)
        return batch

    def _record(self, event_type: str, obj: Obj, **envelope: Any) -> Obj:
        """Build an event and keep it in `events` (and `held` while holding). Call with the lock held."""
        event = self.event(event_type, obj, **envelope)
        self.events.append(event)
        if self.hold:
            self.held.append(event)
        return event

    def _send(self, events: list[Obj]) -> None:
        """Deliver freshly recorded events unless they were held or there is nowhere to send them (lock not held)."""
        for event in events:
            with self._lock:
                held = any(held is event for held in self.held)
            if not held and self.webhook_url is not None:
                self.deliver(event)

    # -- object building (lock held) ---------------------------------------------------------------------------

    def _open(self, session_id: str) -> _Checkout:
        """A session that is still open (KeyError if unknown, ValueError if not open)."""
        checkout = self._checkouts[session_id]
        if checkout.obj["status"] != "open":
            raise ValueError(f"session {session_id} is {checkout.obj['status']}, not open")
        return checkout

    def _async_pending(self, session_id: str) -> _Checkout:
        """A session completed with a delayed payment still pending."""
        checkout = self._checkouts[session_id]
        if not checkout.async_pending:
            raise ValueError(f"session {session_id} has no delayed payment pending (use complete(async_payment=True))")
        return checkout

    def _charge(self, payment_intent: str) -> Obj:
        """The Charge of a PaymentIntent (KeyError naming it if none)."""
        try:
            return self._charges[payment_intent]
        except KeyError:
            raise KeyError(f"no charge for {payment_intent}") from None

    def _new_payment_intent(self, amount: int, currency: str, metadata: dict[str, str]) -> str:
        """A PaymentIntent still processing (its Charge makes it succeed); returns its id."""
        payment_intent: Obj = {
            "id": new_id("pi_"),
            "object": "payment_intent",
            "amount": amount,
            "currency": currency,
            "status": "processing",
            "latest_charge": None,
            "metadata": dict(metadata),
            "created": self.now,
            "livemode": False,
        }
        self._payment_intents[payment_intent["id"]] = payment_intent
        return str(payment_intent["id"])

    def _new_charge(self, payment_intent: str, amount: int, currency: str) -> Obj:
        """A succeeded Charge for a PaymentIntent, which then succeeds too."""
        charge: Obj = {
            "id": new_id("ch_"),
            "object": "charge",
            "amount": amount,
            "amount_captured": amount,
            "amount_refunded": 0,
            "refunded": False,
            "disputed": False,
            "captured": True,
            "paid": True,
            "currency": currency,
            "payment_intent": payment_intent,
            "status": "succeeded",
            "metadata": {},
            "created": self.now,
            "livemode": False,
        }
        self._charges[payment_intent] = charge
        self._payment_intents[payment_intent].update(status="succeeded", latest_charge=charge["id"])
        return charge

    def _new_subscription(self, checkout: _Checkout, customer: str) -> Obj:
        """An active subscription for the recurring items of a subscription-mode session."""
        now = self.now
        items = [
            {
                "id": new_id("si_"),
                "object": "subscription_item",
                "quantity": item.quantity,
                "current_period_start": now,
                "current_period_end": now + PERIOD_SECONDS,
                "price": item.price.to_json(),
            }
            for item in checkout.items
            if item.price.recurring
        ]
        subscription: Obj = {
            "id": new_id("sub_"),
            "object": "subscription",
            "status": "active",
            "cancel_at_period_end": False,
            "cancel_at": None,
            "canceled_at": None,
            "ended_at": None,
            "customer": customer,
            "currency": checkout.obj["currency"],
            "metadata": dict(checkout.subscription_metadata),
            "items": {"object": "list", "data": items, "has_more": False},
            "latest_invoice": None,
            "created": now,
            "start_date": now,
            "livemode": False,
        }
        self._subscriptions[subscription["id"]] = subscription
        self._recurring[subscription["id"]] = [item for item in checkout.items if item.price.recurring]
        return subscription

    def _new_invoice(
        self,
        subscription: Obj,
        billing_reason: str,
        *,
        amount: int,
        items: list[_Item],
        lines_period: tuple[int, int],
        period: tuple[int, int],
    ) -> Obj:
        """A paid subscription invoice with its own PaymentIntent and Charge (2026-10-28.endive shape: no top-level
        subscription, charge or payment_intent; see parent.subscription_details and payments)."""
        currency = subscription["currency"]
        payment_intent = self._new_payment_intent(amount, currency, {})
        self._new_charge(payment_intent, amount, currency)
        invoice: Obj = {
            "id": new_id("in_"),
            "object": "invoice",
            "status": "paid",
            "amount_due": amount,
            "amount_paid": amount,
            "amount_remaining": 0,
            "total": amount,
            "currency": currency,
            "billing_reason": billing_reason,
            "customer": subscription["customer"],
            "parent": {
                "type": "subscription_details",
                "quote_details": None,
                "subscription_details": {
                    "subscription": subscription["id"],
                    "metadata": dict(subscription["metadata"]),
                },
            },
            "payments": {
                "object": "list",
                "data": [
                    {
                        "id": new_id("inpay_"),
                        "object": "invoice_payment",
                        "amount_paid": amount,
                        "currency": currency,
                        "is_default": True,
                        "status": "paid",
                        "payment": {"type": "payment_intent", "payment_intent": payment_intent},
                    }
                ],
                "has_more": False,
            },
            "lines": {
                "object": "list",
                "data": [
                    {
                        "id": new_id("il_"),
                        "object": "line_item",
                        "amount": item.amount,
                        "currency": item.price.currency,
                        "description": f"{item.quantity} × {item.price.product_name}",
                        "quantity": item.quantity,
                        "period": {"start": lines_period[0], "end": lines_period[1]},
                    }
                    for item in items
                ],
                "has_more": False,
            },
            "period_start": period[0],
            "period_end": period[1],
            "created": self.now,
            "livemode": False,
        }
        self._invoices[invoice["id"]] = invoice
        subscription["latest_invoice"] = invoice["id"]
        return invoice

    # -- routing -----------------------------------------------------------------------------------------------

    def handle(self, received: Received) -> Reply:
        """Record a request and answer it (a 500 naming the bug if this server itself fails)."""
        with self._lock:
            self.requests.append(received)
        try:
            if received.path.startswith("/v1/"):
                return self._api(received)
            pay = _PAY_PATH.fullmatch(received.path)
            if pay is not None and received.method in ("GET", "HEAD"):
                return self._pay_page(unquote(pay["id"]))
            if pay is not None and received.method == "POST":
                return self._pay_action(unquote(pay["id"]), received.form.get("action", ""))
            return _message_page(404, "Not found.")
        except Exception:  # noqa: BLE001 - a bug here must reach the test as an answer, not a hang
            error = {"type": "api_error", "message": "fake Stripe server bug: " + traceback.format_exc()}
            return json_reply(500, {"error": error}, {"Stripe-Should-Retry": "false"})

    def _api(self, r: Received) -> Reply:
        """/v1/...: authenticate, route, answer Stripe's errors and headers."""
        request_id = new_id("req_", 14)
        try:
            api_key = self._authenticate(r)
            reply = self._route_api(r, api_key, request_id)
        except _ApiError as error:
            reply = error.reply()
        reply.headers.setdefault("Request-Id", request_id)
        reply.headers["Stripe-Version"] = r.headers.get("stripe-version") or API_VERSION
        if reply.status == 401:
            reply.headers["WWW-Authenticate"] = 'Bearer realm="Stripe"'
        key = r.headers.get("idempotency-key")
        if key is not None and r.method == "POST":
            reply.headers["Idempotency-Key"] = key
        return reply

    @staticmethod
    def _authenticate(r: Received) -> str:
        """The secret key of `Authorization: Bearer sk_...` (or Basic with the key as user); 401 otherwise."""
        scheme, _, credentials = (r.headers.get("authorization") or "").strip().partition(" ")
        key = credentials.strip()
        if scheme.lower() == "basic":
            try:
                key = base64.b64decode(key).decode().partition(":")[0]
            except ValueError:
                key = ""
        elif scheme.lower() != "bearer":
            key = ""
        if not key:
            raise _ApiError(
                401,
                "You did not provide an API key. You need to provide your API key in the Authorization header, "
                "using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
            )
        if not key.startswith(("sk_", "rk_")):
            raise _ApiError(401, f"Invalid API Key provided: {key[:8]}{'*' * max(len(key) - 12, 0)}{key[-4:]}")
        return key

    def _route_api(self, r: Received, api_key: str, request_id: str) -> Reply:
        """Dispatch on method and path; unknown URLs answer Stripe's 404."""
        if r.path == "/v1/checkout/sessions" and r.method == "POST":
            return self._idempotent(r, api_key, lambda: self._create_session(r))
        session = _SESSIONS_PATH.fullmatch(r.path)
        if session is not None and r.method == "GET":
            return self._retrieve_session(unquote(session["id"]))
        subscription = _SUBSCRIPTION_PATH.fullmatch(r.path)
        if subscription is not None:
            subscription_id = unquote(subscription["id"])
            if r.method == "GET":
                return self._retrieve_subscription(subscription_id)
            if r.method == "POST":
                return self._idempotent(r, api_key, lambda: self._update_subscription(r, subscription_id, request_id))
            if r.method == "DELETE":
                return self._idempotent(r, api_key, lambda: self._cancel_subscription(r, subscription_id, request_id))
        raise _ApiError(404, f"Unrecognized request URL ({r.method}: {r.path}).")

    def _idempotent(self, r: Received, api_key: str, action: Callable[[], tuple[Reply, list[Obj]]]) -> Reply:
        """Run a POST once per idempotency key: the same key and parameters replay the first answer; the same key
        with other parameters or another endpoint is an idempotency_error. Refused requests (4xx) are not saved.
        Events the action emits are sent after the lock is let go, before answering."""
        key = r.headers.get("idempotency-key")
        with self._lock:
            saved = self._saved.get((api_key, key)) if key else None
            if saved is not None:
                if (saved.method, saved.path) != (r.method, r.path):
                    raise _ApiError(
                        400,
                        "Keys for idempotent requests can only be used for the same endpoint they were first used for "
                        f"('{saved.method} {saved.path}' vs '{r.method} {r.path}'). Try using a key other than "
                        f"'{key}' if you meant to execute a different request.",
                        type="idempotency_error",
                    )
                if saved.form != r.form:
                    raise _ApiError(
                        400,
                        "Keys for idempotent requests can only be used with the same parameters they were first used "
                        f"with. Try using a key other than '{key}' if you meant to execute a different request.",
                        type="idempotency_error",
                    )
                replay = saved.reply
                return Reply(
                    replay.status, replay.body, replay.content_type, {**replay.headers, "Idempotent-Replayed": "true"}
                )
            reply, sending = action()
            if key and reply.status < 400:
                self._saved[(api_key, key)] = _Saved(r.method, r.path, dict(r.form), reply)
        self._send(sending)
        return reply

    # -- API operations (lock held) ----------------------------------------------------------------------------

    def _create_session(self, r: Received) -> tuple[Reply, list[Obj]]:
        """POST /v1/checkout/sessions: validate like Stripe does for what we use, then an open session."""
        form = r.form
        for key in form:
            if _top_level(key) not in SESSION_PARAMS:
                raise _ApiError(400, f"Received unknown parameter: {_top_level(key)}", param=_top_level(key))
        mode = form.get("mode")
        if not mode:
            raise _missing("mode")
        if mode not in ("payment", "subscription"):
            raise _ApiError(
                400, f"Invalid mode: {mode!r} (this fake server knows payment and subscription)", param="mode"
            )
        if not form.get("success_url"):
            raise _missing("success_url")
        items = self._line_items(form, mode)
        if mode == "subscription" and any(_top_level(key) == "payment_intent_data" for key in form):
            raise _ApiError(
                400, "You can not pass `payment_intent_data` in `subscription` mode.", param="payment_intent_data"
            )
        if mode == "payment" and any(_top_level(key) == "subscription_data" for key in form):
            raise _ApiError(400, "You can not pass `subscription_data` in `payment` mode.", param="subscription_data")
        session_id = new_id("cs_test_", 58)
        now = self.now
        amount = sum(item.amount for item in items)
        session: Obj = {
            "id": session_id,
            "object": "checkout.session",
            "url": f"{self.url}/pay/{session_id}",
            "mode": mode,
            "status": "open",
            "payment_status": "unpaid",
            "client_reference_id": form.get("client_reference_id") or None,
            "customer_email": form.get("customer_email") or None,
            "metadata": _sub_dict(form, "metadata"),
            "amount_subtotal": amount,
            "amount_total": amount,
            "currency": items[0].price.currency,
            "payment_intent": None,
            "subscription": None,
            "invoice": None,
            "customer": None,
            "success_url": form["success_url"],
            "cancel_url": form.get("cancel_url") or None,
            "created": now,
            "expires_at": now + SESSION_LIFETIME,
            "livemode": False,
        }
        self._checkouts[session_id] = _Checkout(
            obj=session,
            items=items,
            subscription_metadata=_sub_dict(form, "subscription_data[metadata]"),
            payment_intent_metadata=_sub_dict(form, "payment_intent_data[metadata]"),
        )
        return json_reply(200, session), []

    def _line_items(self, form: dict[str, str], mode: str) -> list[_Item]:
        """line_items[n]: a catalog `price` or `price_data`, and a `quantity`; checked against the mode."""
        indexes = sorted({int(m["index"]) for key in form if (m := _LINE_ITEM_KEY.match(key))})
        if not indexes:
            raise _missing("line_items")
        items: list[_Item] = []
        for index in indexes:
            prefix = f"line_items[{index}]"
            price_id = form.get(f"{prefix}[price]")
            has_data = any(key.startswith(f"{prefix}[price_data]") for key in form)
            if price_id and has_data:
                raise _ApiError(
                    400, "You may only specify one of these parameters: price, price_data.", param=f"{prefix}[price]"
                )
            if price_id:
                price = self._prices.get(price_id)
                if price is None:
                    raise _no_such("price", price_id, f"{prefix}[price]", 400)
            elif has_data:
                price = self._price_data(form, f"{prefix}[price_data]")
            else:
                raise _missing(f"{prefix}[price]")
            quantity = _integer(form, f"{prefix}[quantity]", 1)
            if mode == "payment" and price.recurring:
                raise _ApiError(
                    400,
                    "You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode "
                    "or use only one-time prices.",
                    param=f"{prefix}[price]" if price_id else f"{prefix}[price_data][recurring]",
                )
            if items and price.currency != items[0].price.currency:
                raise _ApiError(400, "All line items must use the same currency.", param=f"{prefix}[price]")
            items.append(_Item(price, quantity))
        if mode == "subscription" and not any(item.price.recurring for item in items):
            raise _ApiError(
                400,
                "You must provide at least one recurring price in `subscription` mode when using prices.",
                param="line_items",
            )
        return items

    @staticmethod
    def _price_data(form: dict[str, str], prefix: str) -> Price:
        """An inline price from line_items[n][price_data][...]."""
        currency = form.get(f"{prefix}[currency]")
        if not currency:
            raise _missing(f"{prefix}[currency]")
        unit_amount = _integer(form, f"{prefix}[unit_amount]", 0)
        name = form.get(f"{prefix}[product_data][name]")
        if not name:
            raise _missing(f"{prefix}[product_data][name]")
        interval = form.get(f"{prefix}[recurring][interval]")
        if interval is not None and interval not in INTERVALS:
            raise _ApiError(
                400,
                f"Invalid recurring[interval]: must be one of {', '.join(INTERVALS)}",
                param=f"{prefix}[recurring][interval]",
            )
        return Price(new_id("price_"), unit_amount, currency.lower(), interval is not None, interval or "month", name)

    def _retrieve_session(self, session_id: str) -> Reply:
        """GET /v1/checkout/sessions/{id} (any expand is ignored)."""
        with self._lock:
            checkout = self._checkouts.get(session_id)
            if checkout is None:
                raise _no_such("checkout.session", session_id, "session")
            return json_reply(200, checkout.obj)

    def _retrieve_subscription(self, subscription_id: str) -> Reply:
        """GET /v1/subscriptions/{id}."""
        with self._lock:
            subscription = self._subscriptions.get(subscription_id)
            if subscription is None:
                raise _no_such("subscription", subscription_id, "id")
            return json_reply(200, subscription)

    def _update_subscription(self, r: Received, subscription_id: str, request_id: str) -> tuple[Reply, list[Obj]]:
        """POST /v1/subscriptions/{id}: cancel_at_period_end and metadata; emits customer.subscription.updated when
        something changed (with previous_attributes and the request's id and idempotency key, as Stripe does)."""
        subscription = self._subscriptions.get(subscription_id)
        if subscription is None:
            raise _no_such("subscription", subscription_id, "id")
        for key in r.form:
            if _top_level(key) not in SUBSCRIPTION_UPDATE_PARAMS:
                raise _ApiError(400, f"Received unknown parameter: {_top_level(key)}", param=_top_level(key))
        previous: Obj = {}
        if "cancel_at_period_end" in r.form:
            if subscription["status"] == "canceled":
                raise _ApiError(400, "A canceled subscription can only update its cancellation_details and metadata.")
            wanted = _boolean(r.form["cancel_at_period_end"], "cancel_at_period_end")
            if wanted != subscription["cancel_at_period_end"]:
                previous.update(
                    {name: subscription[name] for name in ("cancel_at_period_end", "cancel_at", "canceled_at")}
                )
                end = subscription["items"]["data"][0]["current_period_end"]
                subscription.update(
                    cancel_at_period_end=wanted,
                    cancel_at=end if wanted else None,
                    canceled_at=self.now if wanted else None,
                )
        metadata = _sub_dict(r.form, "metadata")
        if metadata:
            previous["metadata"] = dict(subscription["metadata"])
            for name, value in metadata.items():
                if value == "":
                    subscription["metadata"].pop(name, None)  # Stripe: an empty value unsets the key
                else:
                    subscription["metadata"][name] = value
        sending = []
        if previous:
            sending.append(
                self._record(
                    "customer.subscription.updated",
                    subscription,
                    previous_attributes=previous,
                    request_id=request_id,
                    idempotency_key=r.headers.get("idempotency-key"),
                )
            )
        return json_reply(200, subscription), sending

    def _cancel_subscription(self, r: Received, subscription_id: str, request_id: str) -> tuple[Reply, list[Obj]]:
        """DELETE /v1/subscriptions/{id}: cancel now; emits customer.subscription.deleted."""
        subscription = self._subscriptions.get(subscription_id)
        if subscription is None:
            raise _no_such("subscription", subscription_id, "id")
        if subscription["status"] == "canceled":
            raise _ApiError(400, f"No such subscription: '{subscription_id}'", param="id", code="resource_missing")
        now = self.now
        subscription.update(status="canceled", canceled_at=now, ended_at=now)
        event = self._record(
            "customer.subscription.deleted",
            subscription,
            request_id=request_id,
            idempotency_key=r.headers.get("idempotency-key"),
        )
        return json_reply(200, subscription), [event]

    # -- hosted checkout page ----------------------------------------------------------------------------------

    def _pay_page(self, session_id: str) -> Reply:
        """GET /pay/{id}: the checkout page."""
        with self._lock:
            checkout = self._checkouts.get(session_id)
            if checkout is None:
                return _message_page(404, "This checkout session does not exist.")
            return html_reply(200, _session_page(checkout))

    def _pay_action(self, session_id: str, action: str) -> Reply:
        """POST /pay/{id}: "pay" completes the session (webhooks sent before answering) and redirects to success_url;
        "cancel" redirects to cancel_url and changes nothing."""
        with self._lock:
            checkout = self._checkouts.get(session_id)
            if checkout is None:
                return _message_page(404, "This checkout session does not exist.")
            session = checkout.obj
            status, success, cancel = session["status"], session["success_url"], session["cancel_url"]
        if action == "cancel":
            return _redirect(cancel or success.replace(SESSION_ID_PLACEHOLDER, session_id))
        if action != "pay":
            return _message_page(400, "Unknown action.")
        if status == "expired":
            return _message_page(409, "This checkout session has expired.")
        if status == "open":
            try:
                self.complete(session_id)
            except ValueError:
                pass  # paid meanwhile (a double click): fall through to the redirect
        return _redirect(success.replace(SESSION_ID_PLACEHOLDER, session_id))


def _parse_price(spec: str) -> tuple[str, int, bool]:
    """--price ID=AMOUNT or ID=AMOUNT/month (amount in cents)."""
    price_id, _, rest = spec.partition("=")
    amount, _, interval = rest.partition("/")
    if not price_id or not amount.isdigit() or interval not in ("", "month"):
        raise argparse.ArgumentTypeError(f"expected ID=AMOUNT or ID=AMOUNT/month, not {spec!r}")
    return price_id, int(amount), interval == "month"


def main() -> None:
    """Serve a fake Stripe until Ctrl-C, for trying the app by hand: pay on its checkout page, get webhooks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--webhook-url", default=None, help="where to POST signed events (e.g. the app's webhook)")
    parser.add_argument("--webhook-secret", default=DEFAULT_WEBHOOK_SECRET)
    parser.add_argument("--price", type=_parse_price, action="append", default=[], help="ID=CENTS or ID=CENTS/month")
    args = parser.parse_args()
    server = StripeServer()
    for price_id, amount, recurring in args.price:
        server.add_price(price_id, unit_amount=amount, recurring=recurring)
    server.start(port=args.port)
    server.webhook_url = args.webhook_url
    server.webhook_secret = args.webhook_secret
    print(f"fake Stripe at {server.url}  (StripeClient(key, base_addresses={{'api': '{server.url}'}}); Ctrl-C stops)")
    if args.webhook_url:
        print(f"events go to {args.webhook_url}, signed with {args.webhook_secret}")
    server.serve_until_interrupted()


if __name__ == "__main__":
    main()
