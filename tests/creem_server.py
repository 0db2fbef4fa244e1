"""A local server that speaks the part of Creem's API the app uses, with a hosted checkout page and signed webhooks.

The app's own thin httpx client calls it as `httpx.Client(base_url=server.url, headers={"x-api-key": key})`:

- `POST /v1/checkouts` opens a checkout for a registered product (`add_product`);
- `GET /v1/checkouts?checkout_id=` and `GET /v1/subscriptions?subscription_id=` read one back;
- `POST /v1/subscriptions/{id}/cancel` with `{"mode": "immediate" | "scheduled", "onExecute": "cancel" | "pause"}`.

Shapes follow Creem's OpenAPI and webhook samples (the official docs repo `armitage-labs/creem`, snapshot
2026-04-30), trimmed to what a buyer of credits needs; see the billing research notes, section 3.

The buyer pays on `GET /pay/{id}` (a small HTML page) and is sent back to the checkout's `success_url` with Creem's
query parameters. Tests drive the rest by hand: `complete`, `renew`, `cancel`, `expire`, `refund` and `dispute`
change the state and emit Creem's events, signed with `creem-signature` (hex HMAC-SHA256 of the raw body), and
POSTed synchronously to `webhook_url` unless `hold` is set.

Run `python tests/creem_server.py [--port 12112] [--webhook-url URL]` to try the app by hand.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import html
import json
import re
import secrets
import string
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

if not __package__:  # run as `python tests/creem_server.py`: put the project root on the path for `tests.` imports
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.local_http import LocalHttpServer, Reply, html_reply, json_reply  # noqa: E402
from tests.local_http import Received as Received  # noqa: E402

DEFAULT_API_KEY = "creem_test_local"
DEFAULT_WEBHOOK_SECRET = "whsec_creem_local"
DEFAULT_EMAIL = "buyer@example.test"
PERIOD = timedelta(days=30)  # one subscription period
MODE = "test"  # Creem's EnvironmentMode of everything this server makes
CANCEL_MODES = ("immediate", "scheduled")
ON_EXECUTE = ("cancel", "pause")

_ID_ALPHABET = string.ascii_letters + string.digits
_PAY_PATH = re.compile(r"/pay/(?P<id>[^/]+)")
_CANCEL_PATH = re.compile(r"/v1/subscriptions/(?P<id>[^/]+)/cancel")


@dataclass
class Product:
    """A product registered with `add_product`: Creem sells only its own products."""

    id: str
    amount: int  # minor units
    currency: str  # upper case, as Creem writes it
    recurring: bool
    name: str
    created_at: datetime


@dataclass
class Customer:
    """A buyer, one per email address."""

    id: str
    email: str
    created_at: datetime


@dataclass
class Checkout:
    """One checkout session."""

    id: str
    product_id: str
    request_id: str | None
    success_url: str | None
    metadata: dict[str, Any] | None
    units: int
    email: str | None  # customer.email from the request, if any
    created_at: datetime
    status: str = "pending"  # pending | completed
    order_id: str | None = None
    customer_id: str | None = None
    subscription_id: str | None = None


@dataclass
class Order:
    """The order a completed checkout creates."""

    id: str
    checkout_id: str
    product_id: str
    customer_id: str
    amount: int
    currency: str
    type: str  # onetime | recurring
    transaction_id: str
    created_at: datetime


@dataclass
class Transaction:
    """One payment: a checkout's, or a subscription period's."""

    id: str
    checkout_id: str
    order_id: str | None  # None for renewals (they create no order here)
    subscription_id: str | None
    customer_id: str
    amount: int
    currency: str
    period_start: datetime | None
    period_end: datetime | None
    created_at: datetime
    refunded_amount: int = 0  # cumulative
    status: str = "paid"  # paid | refunded | partialRefund | chargeback


@dataclass
class Subscription:
    """A subscription to a recurring product."""

    id: str
    checkout_id: str
    product_id: str
    customer_id: str
    metadata: dict[str, Any] | None
    current_period_start: datetime
    current_period_end: datetime
    last_transaction_id: str
    last_transaction_date: datetime
    created_at: datetime
    updated_at: datetime
    status: str = "active"  # active | scheduled_cancel | canceled | paused | expired
    on_execute: str = "cancel"  # what a scheduled cancellation does at the period's end: cancel | pause
    canceled_at: datetime | None = None


def new_id(prefix: str) -> str:
    """A Creem-style id: the prefix, an underscore and 22 random letters and digits."""
    return prefix + "_" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(22))


def iso(moment: datetime | None) -> str | None:
    """A datetime as Creem writes it (JavaScript's toISOString: milliseconds and a Z), or None."""
    if moment is None:
        return None
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def ms(moment: datetime) -> int:
    """A datetime as milliseconds since the epoch."""
    return int(moment.timestamp() * 1000)


def signature(secret: str, body: bytes) -> str:
    """Creem's `creem-signature`: the hex HMAC-SHA256 of the raw body, keyed with the whole secret."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _error(status: int, error: str, *messages: str) -> Reply:
    """Creem's documented error body (api-reference/error-codes): trace_id, status, error, message[], timestamp."""
    body: dict[str, Any] = {"trace_id": str(uuid.uuid4()), "status": status, "error": error}
    if messages:
        body["message"] = list(messages)
    body["timestamp"] = int(time.time() * 1000)
    return json_reply(status, body)


def _redirect(location: str) -> Reply:
    """A 303 See Other to `location`."""
    return Reply(303, b"", "text/html; charset=utf-8", {"Location": location})


def _with_query(url: str, params: Sequence[tuple[str, str]]) -> str:
    """`url` with `params` appended to whatever query it already has."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params)
    return urlunsplit(parts._replace(query=urlencode(query)))


def _money(amount: int, currency: str) -> str:
    """An amount in minor units for people: "5.00 USD"."""
    return f"{amount / 100:,.2f} {currency}"


def _page(title: str, body: str) -> str:
    """A small accessible HTML page."""
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n"
        '<link rel="icon" href="data:,">\n'
        "<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}"
        "form{display:inline-block;margin-right:.5rem}button{font-size:1rem;padding:.5rem 1.25rem}</style>\n"
        f"</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


class CreemServer(LocalHttpServer):
    """A fake Creem on 127.0.0.1: products, checkouts, subscriptions, a checkout page and signed webhooks.

    Events are dicts (Creem's envelope: id, eventType, created_at, object). Every emitted event is kept in
    `events`; with `hold` set it waits in `held` for `release`, otherwise it is POSTed to `webhook_url` (if set)
    before the call that emitted it returns, and `(event id, eventType, status or None)` goes to `deliveries`.
    """

    thread_name = "creem-server"

    def __init__(self, api_key: str = DEFAULT_API_KEY, webhook_secret: str = DEFAULT_WEBHOOK_SECRET) -> None:
        super().__init__()
        self._lock = threading.RLock()
        self._now: datetime | None = None
        self._products: dict[str, Product] = {}
        self._customers: dict[str, Customer] = {}
        self._checkouts: dict[str, Checkout] = {}
        self._orders: dict[str, Order] = {}
        self._transactions: dict[str, Transaction] = {}
        self._subscriptions: dict[str, Subscription] = {}
        self.api_key = api_key
        self.webhook_secret = webhook_secret
        self.webhook_url: str | None = None
        self.hold = False
        self.cancel_mode = "immediate"  # the cancel endpoint's mode when the request names none (a store setting)
        self.requests: list[Received] = []
        self.events: list[dict[str, Any]] = []
        self.held: list[dict[str, Any]] = []
        self.deliveries: list[tuple[str, str, int | None]] = []

    # -- lifecycle ---------------------------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget everything but the products: checkouts, records, events; no webhook_url, no hold, the live clock."""
        with self._lock:
            self._now = None
            self._customers.clear()
            self._checkouts.clear()
            self._orders.clear()
            self._transactions.clear()
            self._subscriptions.clear()
            self.webhook_url = None
            self.hold = False
            self.cancel_mode = "immediate"
            self.requests.clear()
            self.events.clear()
            self.held.clear()
            self.deliveries.clear()

    @property
    def now(self) -> datetime:
        """The server's clock: the time set, else the current UTC time."""
        return self._now if self._now is not None else datetime.now(UTC)

    @now.setter
    def now(self, value: datetime | None) -> None:
        """Freeze the clock at `value` (timezone-aware), or None for the live clock again."""
        if value is not None and value.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        self._now = value

    # -- set-up and inspection ---------------------------------------------------------------------------------

    def add_product(
        self, product_id: str, amount: int, currency: str = "USD", recurring: bool = False, name: str | None = None
    ) -> dict[str, Any]:
        """Register (or replace) a product checkouts can name; returns it as Creem shows it."""
        product = Product(product_id, amount, currency.upper(), recurring, name or product_id, self.now)
        with self._lock:
            self._products[product_id] = product
            return self._product_json(product)

    def checkout(self, checkout_id: str) -> dict[str, Any]:
        """A checkout as `GET /v1/checkouts` answers it (KeyError if unknown)."""
        with self._lock:
            return self._checkout_json(self._checkouts[checkout_id])

    def checkouts(self, request_id: str | None = None) -> list[dict[str, Any]]:
        """Every checkout (with that request_id, if given), in creation order."""
        with self._lock:
            found = [c for c in self._checkouts.values() if request_id is None or c.request_id == request_id]
            return [self._checkout_json(c) for c in found]

    def subscription(self, subscription_id: str) -> dict[str, Any]:
        """A subscription as `GET /v1/subscriptions` answers it (KeyError if unknown)."""
        with self._lock:
            return self._subscription_json(self._subscriptions[subscription_id], expand=True)

    def transaction(self, transaction_id: str) -> dict[str, Any]:
        """A transaction as Creem's webhooks show it (KeyError if unknown)."""
        with self._lock:
            return self._transaction_json(self._transactions[transaction_id])

    def products(self) -> list[dict[str, Any]]:
        """Every registered product, as Creem shows it."""
        with self._lock:
            return [self._product_json(product) for product in self._products.values()]

    def events_of(self, event_type: str) -> list[dict[str, Any]]:
        """The emitted events of one type, in order."""
        with self._lock:
            return [event for event in self.events if event["eventType"] == event_type]

    # -- what happens outside the API: payment, renewal, refunds, disputes ---------------------------------------

    def complete(self, checkout_id: str) -> dict[str, Any]:
        """The buyer pays: order, transaction, customer (and a subscription for a recurring product).

        Emits `checkout.completed`, then for a recurring product `subscription.paid` (its first period). A checkout
        already completed stays as it is and emits nothing. Returns the checkout as `GET /v1/checkouts` shows it.
        """
        with self._lock:
            checkout = self._checkouts[checkout_id]
            if checkout.status == "completed":
                return self._checkout_json(checkout)
            product = self._products[checkout.product_id]
            now = self.now
            customer = self._customer_for(checkout.email or DEFAULT_EMAIL, now)
            amount = product.amount * checkout.units
            order_id, transaction_id = new_id("ord"), new_id("tran")
            subscription: Subscription | None = None
            if product.recurring:
                subscription = Subscription(
                    id=new_id("sub"),
                    checkout_id=checkout.id,
                    product_id=product.id,
                    customer_id=customer.id,
                    metadata=checkout.metadata,
                    current_period_start=now,
                    current_period_end=now + PERIOD,
                    last_transaction_id=transaction_id,
                    last_transaction_date=now,
                    created_at=now,
                    updated_at=now,
                )
                self._subscriptions[subscription.id] = subscription
            self._orders[order_id] = Order(
                id=order_id,
                checkout_id=checkout.id,
                product_id=product.id,
                customer_id=customer.id,
                amount=amount,
                currency=product.currency,
                type="recurring" if product.recurring else "onetime",
                transaction_id=transaction_id,
                created_at=now,
            )
            self._transactions[transaction_id] = Transaction(
                id=transaction_id,
                checkout_id=checkout.id,
                order_id=order_id,
                subscription_id=subscription.id if subscription else None,
                customer_id=customer.id,
                amount=amount,
                currency=product.currency,
                period_start=now if subscription else None,
                period_end=now + PERIOD if subscription else None,
                created_at=now,
            )
            checkout.status = "completed"
            checkout.order_id, checkout.customer_id = order_id, customer.id
            checkout.subscription_id = subscription.id if subscription else None
            emitted = [("checkout.completed", self._checkout_json(checkout, expand_product=True))]
            if subscription is not None:
                emitted.append(("subscription.paid", self._subscription_json(subscription, expand=True)))
            result = self._checkout_json(checkout)
        self._emit(emitted)
        return result

    def cancel(self, subscription_id: str, mode: str = "immediate", on_execute: str = "cancel") -> dict[str, Any]:
        """Cancel as `POST /v1/subscriptions/{id}/cancel` does; returns the subscription.

        `immediate`: status `canceled`, emits `subscription.canceled`. `scheduled`: status `scheduled_cancel`, emits
        `subscription.scheduled_cancel`; `renew` then ends it (`on_execute` "cancel") or pauses it ("pause").
        KeyError if unknown; ValueError for a bad mode or a subscription already ended.
        """
        if mode not in CANCEL_MODES:
            raise ValueError(f"mode must be one of {', '.join(CANCEL_MODES)}")
        if on_execute not in ON_EXECUTE:
            raise ValueError(f"onExecute must be one of {', '.join(ON_EXECUTE)}")
        with self._lock:
            subscription = self._subscriptions[subscription_id]
            if subscription.status in ("canceled", "expired", "paused"):
                raise ValueError(f"Subscription is already {subscription.status}")
            emitted: list[tuple[str, dict[str, Any]]] = []
            now = self.now
            if mode == "immediate":
                subscription.status, subscription.canceled_at = "canceled", now
                subscription.updated_at = now
                emitted.append(("subscription.canceled", self._subscription_json(subscription, expand=True)))
            elif subscription.status != "scheduled_cancel":
                subscription.status, subscription.on_execute = "scheduled_cancel", on_execute
                subscription.updated_at = now
                emitted.append(("subscription.scheduled_cancel", self._subscription_json(subscription, expand=True)))
            result = self._subscription_json(subscription, expand=True)
        self._emit(emitted)
        return result

    def renew(self, subscription_id: str) -> dict[str, Any] | None:
        """The period ends: a subscription scheduled to cancel ends (None), otherwise the next period is paid.

        Scheduled to cancel: status `canceled` and `subscription.canceled` (or `paused` and `subscription.paused`
        when it was scheduled with onExecute "pause"); returns None. Active: a new transaction for the next 30 days
        and `subscription.paid`; returns the subscription. ValueError if it already ended.
        """
        with self._lock:
            subscription = self._subscriptions[subscription_id]
            now = self.now
            if subscription.status == "scheduled_cancel":
                pause = subscription.on_execute == "pause"
                subscription.status = "paused" if pause else "canceled"
                subscription.canceled_at = None if pause else now
                subscription.updated_at = now
                event = (
                    "subscription.paused" if pause else "subscription.canceled",
                    self._subscription_json(subscription, expand=True),
                )
                result = None
            elif subscription.status == "active":
                product = self._products[subscription.product_id]
                start, end = subscription.current_period_end, subscription.current_period_end + PERIOD
                transaction = Transaction(
                    id=new_id("tran"),
                    checkout_id=subscription.checkout_id,
                    order_id=None,
                    subscription_id=subscription.id,
                    customer_id=subscription.customer_id,
                    amount=product.amount * self._checkouts[subscription.checkout_id].units,
                    currency=product.currency,
                    period_start=start,
                    period_end=end,
                    created_at=now,
                )
                self._transactions[transaction.id] = transaction
                subscription.current_period_start, subscription.current_period_end = start, end
                subscription.last_transaction_id, subscription.last_transaction_date = transaction.id, now
                subscription.updated_at = now
                result = self._subscription_json(subscription, expand=True)
                event = ("subscription.paid", result)
            else:
                raise ValueError(f"Subscription is {subscription.status}: nothing to renew")
        self._emit([event])
        return result

    def expire(self, subscription_id: str) -> dict[str, Any]:
        """The period ended without a payment: status `expired`, emits `subscription.expired`; returns it."""
        with self._lock:
            subscription = self._subscriptions[subscription_id]
            subscription.status, subscription.updated_at = "expired", self.now
            result = self._subscription_json(subscription, expand=True)
        self._emit([("subscription.expired", result)])
        return result

    def refund(self, transaction_id: str, amount: int, reason: str = "requested_by_customer") -> dict[str, Any]:
        """Refund part or all of a transaction: emits `refund.created` (cumulative `refunded_amount`); returns it.

        ValueError unless 0 < amount <= what is left to refund.
        """
        with self._lock:
            transaction = self._transactions[transaction_id]
            left = transaction.amount - transaction.refunded_amount
            if not 0 < amount <= left:
                raise ValueError(f"refund amount must be between 1 and {left}")
            transaction.refunded_amount += amount
            transaction.status = "refunded" if transaction.refunded_amount == transaction.amount else "partialRefund"
            refund = {
                "id": new_id("ref"),
                "object": "refund",
                "status": "succeeded",
                "refund_amount": amount,
                "refund_currency": transaction.currency,
                "reason": reason,
                **self._about(transaction),
                "created_at": ms(self.now),
                "mode": MODE,
            }
        self._emit([("refund.created", refund)])
        return refund

    def dispute(self, transaction_id: str, amount: int | None = None) -> dict[str, Any]:
        """The buyer disputes a transaction (all of it unless `amount`): emits `dispute.created`; returns it."""
        with self._lock:
            transaction = self._transactions[transaction_id]
            transaction.status = "chargeback"
            dispute = {
                "id": new_id("disp"),
                "object": "dispute",
                "amount": transaction.amount if amount is None else amount,
                "currency": transaction.currency,
                **self._about(transaction),
                "created_at": ms(self.now),
                "mode": MODE,
            }
        self._emit([("dispute.created", dispute)])
        return dispute

    # -- webhooks ----------------------------------------------------------------------------------------------

    def signed(self, event: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        """The exact body and headers this server POSTs for `event` (for Starlette's TestClient, say)."""
        body = json.dumps(event, separators=(",", ":")).encode()
        return body, {"creem-signature": signature(self.webhook_secret, body), "content-type": "application/json"}

    def deliver(self, event: dict[str, Any]) -> int | None:
        """POST one event (again: the same id) to webhook_url; record and return the status (None if it failed)."""
        url = self.webhook_url
        if url is None:
            raise RuntimeError("no webhook_url to deliver to")
        body, headers = self.signed(event)
        answered: int | None
        try:
            with httpx.Client(trust_env=False, timeout=10.0) as client:
                answered = client.post(url, content=body, headers=headers).status_code
        except Exception:  # noqa: BLE001 - a failed delivery is recorded, never raised
            answered = None
        with self._lock:
            self.deliveries.append((event["id"], event["eventType"], answered))
        return answered

    def release(self, order: Sequence[int | str] | None = None) -> list[tuple[str, str, int | None]]:
        """Deliver held events: all in the order held, or those named (index in `held` or event id) in that order.

        Events not named stay held. Returns the deliveries made.
        """
        with self._lock:
            held = list(self.held)
            if order is None:
                chosen = held
            else:
                by_id = {event["id"]: event for event in held}
                chosen = [held[key] if isinstance(key, int) else by_id[key] for key in order]
            chosen_ids = {id(event) for event in chosen}
            self.held = [event for event in held if id(event) not in chosen_ids]
        made: list[tuple[str, str, int | None]] = []
        for event in chosen:
            made.append((event["id"], event["eventType"], self.deliver(event)))
        return made

    def _emit(self, emitted: Sequence[tuple[str, dict[str, Any]]]) -> None:
        """Wrap objects in Creem's envelope, keep them, and hold or deliver them (outside the lock: the receiver
        may call this server back)."""
        to_send: list[dict[str, Any]] = []
        with self._lock:
            for event_type, obj in emitted:
                event = {"id": new_id("evt"), "eventType": event_type, "created_at": ms(self.now), "object": obj}
                self.events.append(event)
                if self.hold:
                    self.held.append(event)
                elif self.webhook_url is not None:
                    to_send.append(event)
        for event in to_send:
            self.deliver(event)

    # -- JSON views --------------------------------------------------------------------------------------------

    def _customer_for(self, email: str, now: datetime) -> Customer:
        """The customer with this email, made on first use."""
        for customer in self._customers.values():
            if customer.email == email:
                return customer
        customer = Customer(new_id("cust"), email, now)
        self._customers[customer.id] = customer
        return customer

    @staticmethod
    def _product_json(product: Product) -> dict[str, Any]:
        return {
            "id": product.id,
            "object": "product",
            "mode": MODE,
            "name": product.name,
            "description": product.name,
            "price": product.amount,
            "currency": product.currency,
            "billing_type": "recurring" if product.recurring else "onetime",
            "billing_period": "every-month" if product.recurring else "once",
            "status": "active",
            "tax_mode": "exclusive",
            "tax_category": "saas",
            "created_at": iso(product.created_at),
            "updated_at": iso(product.created_at),
        }

    @staticmethod
    def _customer_json(customer: Customer) -> dict[str, Any]:
        return {
            "id": customer.id,
            "object": "customer",
            "mode": MODE,
            "email": customer.email,
            "name": "Test Buyer",
            "country": "US",
            "created_at": iso(customer.created_at),
            "updated_at": iso(customer.created_at),
        }

    @staticmethod
    def _order_json(order: Order) -> dict[str, Any]:
        return {
            "id": order.id,
            "object": "order",
            "mode": MODE,
            "customer": order.customer_id,
            "product": order.product_id,
            "transaction": order.transaction_id,
            "amount": order.amount,
            "sub_total": order.amount,
            "tax_amount": 0,
            "amount_due": order.amount,
            "amount_paid": order.amount,
            "currency": order.currency,
            "status": "paid",
            "type": order.type,
            "created_at": iso(order.created_at),
            "updated_at": iso(order.created_at),
        }

    @staticmethod
    def _transaction_json(transaction: Transaction) -> dict[str, Any]:
        return {
            "id": transaction.id,
            "object": "transaction",
            "mode": MODE,
            "amount": transaction.amount,
            "amount_paid": transaction.amount,
            "currency": transaction.currency,
            "type": "invoice" if transaction.subscription_id else "payment",
            "tax_amount": 0,
            "status": transaction.status,
            "refunded_amount": transaction.refunded_amount,
            "order": transaction.order_id,
            "subscription": transaction.subscription_id,
            "customer": transaction.customer_id,
            "description": "Subscription payment" if transaction.subscription_id else "Payment",
            "period_start": ms(transaction.period_start) if transaction.period_start else None,
            "period_end": ms(transaction.period_end) if transaction.period_end else None,
            "created_at": ms(transaction.created_at),
        }

    def _subscription_json(self, subscription: Subscription, expand: bool) -> dict[str, Any]:
        """Creem's subscription; `expand`: product and customer as objects (API, subscription.* events), else ids."""
        product, customer = self._products[subscription.product_id], self._customers[subscription.customer_id]
        renews = subscription.status == "active"
        return {
            "id": subscription.id,
            "object": "subscription",
            "mode": MODE,
            "product": self._product_json(product) if expand else product.id,
            "customer": self._customer_json(customer) if expand else customer.id,
            "collection_method": "charge_automatically",
            "status": subscription.status,
            "last_transaction_id": subscription.last_transaction_id,
            "last_transaction_date": iso(subscription.last_transaction_date),
            "next_transaction_date": iso(subscription.current_period_end) if renews else None,
            "current_period_start_date": iso(subscription.current_period_start),
            "current_period_end_date": iso(subscription.current_period_end),
            "canceled_at": iso(subscription.canceled_at),
            "created_at": iso(subscription.created_at),
            "updated_at": iso(subscription.updated_at),
            "metadata": subscription.metadata,
        }

    def _checkout_json(self, checkout: Checkout, expand_product: bool = False) -> dict[str, Any]:
        """Creem's checkout: `product` an id (API) or an object (checkout.completed)."""
        body: dict[str, Any] = {
            "id": checkout.id,
            "object": "checkout",
            "mode": MODE,
            "status": checkout.status,
            "request_id": checkout.request_id,
            "product": self._product_json(self._products[checkout.product_id])
            if expand_product
            else checkout.product_id,
            "units": checkout.units,
            "checkout_url": f"{self.url}/pay/{checkout.id}",
            "success_url": checkout.success_url,
            "metadata": checkout.metadata,
            "custom_fields": [],
        }
        if checkout.order_id is not None:
            body["order"] = self._order_json(self._orders[checkout.order_id])
        if checkout.customer_id is not None:
            body["customer"] = self._customer_json(self._customers[checkout.customer_id])
        if checkout.subscription_id is not None:
            body["subscription"] = self._subscription_json(self._subscriptions[checkout.subscription_id], expand=False)
        return body

    def _about(self, transaction: Transaction) -> dict[str, Any]:
        """What refunds and disputes carry about their payment: transaction, subscription, checkout, order, customer."""
        checkout = self._checkouts[transaction.checkout_id]
        subscription = self._subscriptions.get(transaction.subscription_id or "")
        order = self._orders.get(transaction.order_id or "")
        return {
            "transaction": self._transaction_json(transaction),
            "subscription": self._subscription_json(subscription, expand=False) if subscription else None,
            "checkout": {
                "id": checkout.id,
                "object": "checkout",
                "mode": MODE,
                "request_id": checkout.request_id,
                "product": checkout.product_id,
                "units": checkout.units,
                "status": checkout.status,
                "metadata": checkout.metadata,
                "custom_fields": [],
            },
            "order": self._order_json(order) if order else None,
            "customer": self._customer_json(self._customers[transaction.customer_id]),
        }

    # -- routing -----------------------------------------------------------------------------------------------

    def handle(self, received: Received) -> Reply:
        """Record a request and answer it (a 500 naming the bug if this server itself fails)."""
        with self._lock:
            self.requests.append(received)
        try:
            return self._route(received)
        except Exception:  # noqa: BLE001 - a bug here must reach the test as an answer, not a hang
            return json_reply(500, {"error": "fake Creem server bug", "message": [traceback.format_exc()]})

    def _route(self, r: Received) -> Reply:
        """Dispatch on method and path; everything unknown is 404."""
        pay = _PAY_PATH.fullmatch(r.path)
        if pay is not None and r.method in ("GET", "HEAD"):
            return self._pay_page(pay["id"])
        if pay is not None and r.method == "POST":
            return self._pay(r, pay["id"])
        if r.path.startswith("/v1/"):
            if r.headers.get("x-api-key") != self.api_key:
                return _error(403, "Forbidden", "Invalid or missing API key")
            if r.method == "POST" and r.path == "/v1/checkouts":
                return self._create_checkout(r)
            if r.method == "GET" and r.path == "/v1/checkouts":
                return self._get_checkout(r)
            if r.method == "GET" and r.path == "/v1/subscriptions":
                return self._get_subscription(r)
            cancel = _CANCEL_PATH.fullmatch(r.path)
            if cancel is not None and r.method == "POST":
                return self._cancel(r, cancel["id"])
        return _error(404, "Not Found", f"Cannot {r.method} {r.path}")

    def _create_checkout(self, r: Received) -> Reply:
        """POST /v1/checkouts: a new pending checkout (every call makes one; request_id is only echoed)."""
        body = r.json
        if not isinstance(body, dict):
            return _error(400, "Bad Request", "The request body must be a JSON object")
        problems = []
        if not isinstance(body.get("product_id"), str):
            problems.append("product_id must be a string")
        for name in ("request_id", "success_url"):
            if body.get(name) is not None and not isinstance(body[name], str):
                problems.append(f"{name} must be a string")
        if body.get("metadata") is not None and not isinstance(body["metadata"], dict):
            problems.append("metadata must be an object")
        units = body.get("units", 1)
        if not isinstance(units, int) or isinstance(units, bool) or units < 1:
            problems.append("units must be a positive integer")
        customer = body.get("customer")
        if customer is not None and not (isinstance(customer, dict) and isinstance(customer.get("email", ""), str)):
            problems.append("customer must be an object with an email string")
        if problems:
            return _error(400, "Bad Request", *problems)
        with self._lock:
            if body["product_id"] not in self._products:
                return _error(404, "Not Found", "Product not found")
            checkout = Checkout(
                id=new_id("ch"),
                product_id=body["product_id"],
                request_id=body.get("request_id"),
                success_url=body.get("success_url"),
                metadata=body.get("metadata"),
                units=units,
                email=customer.get("email") if customer else None,
                created_at=self.now,
            )
            self._checkouts[checkout.id] = checkout
            return json_reply(200, self._checkout_json(checkout))

    def _get_checkout(self, r: Received) -> Reply:
        """GET /v1/checkouts?checkout_id=…"""
        checkout_id = r.query.get("checkout_id", [""])[0]
        if not checkout_id:
            return _error(400, "Bad Request", "checkout_id must be a string")
        with self._lock:
            if checkout_id not in self._checkouts:
                return _error(404, "Not Found", "Checkout not found")
            return json_reply(200, self.checkout(checkout_id))

    def _get_subscription(self, r: Received) -> Reply:
        """GET /v1/subscriptions?subscription_id=…"""
        subscription_id = r.query.get("subscription_id", [""])[0]
        if not subscription_id:
            return _error(400, "Bad Request", "subscription_id must be a string")
        with self._lock:
            if subscription_id not in self._subscriptions:
                return _error(404, "Not Found", "Subscription not found")
            return json_reply(200, self.subscription(subscription_id))

    def _cancel(self, r: Received, subscription_id: str) -> Reply:
        """POST /v1/subscriptions/{id}/cancel with an optional {"mode", "onExecute"}."""
        body = r.json if r.body else {}
        if not isinstance(body, dict):
            return _error(400, "Bad Request", "The request body must be a JSON object")
        mode, on_execute = body.get("mode") or self.cancel_mode, body.get("onExecute") or "cancel"
        with self._lock:
            if subscription_id not in self._subscriptions:
                return _error(404, "Not Found", "Subscription not found")
        try:
            return json_reply(200, self.cancel(subscription_id, mode=mode, on_execute=on_execute))
        except ValueError as exc:
            return _error(400, "Bad Request", str(exc))

    # -- the hosted checkout page ------------------------------------------------------------------------------

    def _pay_page(self, checkout_id: str) -> Reply:
        """GET /pay/{id}: the product, its price, and Pay / Cancel buttons."""
        with self._lock:
            checkout = self._checkouts.get(checkout_id)
            product = self._products[checkout.product_id] if checkout else None
        if checkout is None or product is None:
            return html_reply(404, _page("Checkout not found", "<h1>Checkout not found</h1>"))
        price = _money(product.amount * checkout.units, product.currency) + (" a month" if product.recurring else "")
        action = html.escape(f"/pay/{checkout.id}")
        done = "<p>This checkout is already paid.</p>\n" if checkout.status == "completed" else ""
        body = (
            "<h1>Test checkout</h1>\n"
            "<p>A local stand-in for Creem's checkout: no card, no money.</p>\n"
            f"<dl>\n<dt>Product</dt><dd>{html.escape(product.name)}</dd>\n"
            f"<dt>Price</dt><dd>{html.escape(price)}</dd>\n</dl>\n{done}"
            f'<form method="post" action="{action}"><input type="hidden" name="action" value="pay">'
            '<button type="submit">Pay</button></form>\n'
            f'<form method="post" action="{action}"><input type="hidden" name="action" value="cancel">'
            '<button type="submit">Cancel</button></form>'
        )
        return html_reply(200, _page("Test checkout", body))

    def _pay(self, r: Received, checkout_id: str) -> Reply:
        """POST /pay/{id}: action=pay completes and returns to success_url; action=cancel just goes back."""
        action = parse_qs(r.body.decode("utf-8", errors="replace")).get("action", [""])[0]
        with self._lock:
            exists = checkout_id in self._checkouts
        if not exists:
            return html_reply(404, _page("Checkout not found", "<h1>Checkout not found</h1>"))
        if action == "cancel":
            with self._lock:
                success_url = self._checkouts[checkout_id].success_url
            if success_url is None:
                return html_reply(200, _page("Checkout canceled", "<h1>Checkout canceled</h1>"))
            return _redirect(_with_query(success_url, [("canceled", "1")]))
        if action != "pay":
            return html_reply(400, _page("Bad request", "<h1>Unknown action</h1>"))
        checkout = self.complete(checkout_id)
        if checkout["success_url"] is None:
            return html_reply(200, _page("Payment complete", "<h1>Payment complete</h1>"))
        return _redirect(_with_query(checkout["success_url"], self._return_params(checkout)))

    def _return_params(self, checkout: dict[str, Any]) -> list[tuple[str, str]]:
        """Creem's success_url parameters (null ones left out), then a signature.

        The signature follows the docs-repo scheme (HMAC-SHA256 keyed with the API key over the sorted `k=v` pairs
        joined with `&`); Creem's docs disagree with themselves on it, and the app does not check it.
        """
        values = {
            "checkout_id": checkout["id"],
            "order_id": checkout["order"]["id"],
            "customer_id": checkout["customer"]["id"],
            "subscription_id": checkout["subscription"]["id"] if "subscription" in checkout else None,
            "product_id": checkout["product"],
            "request_id": checkout["request_id"],
        }
        params = [(key, value) for key, value in values.items() if value is not None]
        signed = "&".join(f"{key}={value}" for key, value in sorted(params))
        return [*params, ("signature", signature(self.api_key, signed.encode()))]


def _parse_product(text: str) -> tuple[str, int, bool]:
    """`prod_id=500` (one-time) or `prod_id=900/month` (recurring), for --product."""
    product_id, _, price = text.partition("=")
    recurring = price.endswith("/month")
    amount = price.removesuffix("/month")
    if not product_id or not amount.isdigit():
        raise argparse.ArgumentTypeError(f"expected PRODUCT_ID=AMOUNT or PRODUCT_ID=AMOUNT/month, not {text!r}")
    return product_id, int(amount), recurring


def main() -> None:
    """Serve a fake Creem until Ctrl-C, for trying the app by hand."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=12112)
    parser.add_argument("--webhook-url", default=None, help="where to POST signed events (the app's webhook route)")
    parser.add_argument("--api-key", default=DEFAULT_API_KEY)
    parser.add_argument("--webhook-secret", default=DEFAULT_WEBHOOK_SECRET)
    parser.add_argument(
        "--product",
        action="append",
        type=_parse_product,
        default=[],
        metavar="ID=AMOUNT[/month]",
        help="a product to sell, amount in cents (repeatable; default: prod_pack=500 and prod_plan=900/month)",
    )
    args = parser.parse_args()
    server = CreemServer(api_key=args.api_key, webhook_secret=args.webhook_secret)
    for product_id, amount, recurring in args.product or [("prod_pack", 500, False), ("prod_plan", 900, True)]:
        server.add_product(product_id, amount, recurring=recurring)
    server.webhook_url = args.webhook_url
    server.start(port=args.port)
    print(f"fake Creem API at {server.url}  (x-api-key {server.api_key}; webhook secret {server.webhook_secret})")
    print(
        f"products: {', '.join(p['id'] for p in server.products())}; webhooks to {server.webhook_url or 'nowhere'}; Ctrl-C stops"
    )
    server.serve_until_interrupted()


if __name__ == "__main__":
    main()
