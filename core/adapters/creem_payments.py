"""Creem (a merchant of record): a thin httpx client for the three calls we make, and its signed webhooks.

Creem has no official Python SDK; the unofficial ones are young single-maintainer projects, and
one misreads event types (../shared/reference/stripe-creem.md section 3.6), so these few calls
are written here. One of the modules allowed to import httpx.
- Every request carries `x-api-key`. Test keys (`creem_test_…`) go to test-api.creem.io.
- A webhook's `creem-signature` is the hex HMAC-SHA256 of the raw body under the webhook secret,
  compared in constant time. No timestamp is signed: replays are caught by the event id.
- Creem documents no idempotency key for checkouts: the billing service reopens an order's
  open checkout instead of asking for a second one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx

from core.domain.billing import Checkout, CheckoutRequest, EventKind, PaymentEvent
from core.errors import PaymentError, WebhookRejectedError

log = logging.getLogger(__name__)
NAME = "creem"
LIVE_API, TEST_API = "https://api.creem.io", "https://test-api.creem.io"
TIMEOUT_SECONDS = 15.0


class CreemPayments:
    name = NAME
    has_webhooks = True

    def __init__(self, api_key: str, webhook_secret: str, *, api_base: str = "") -> None:
        base = api_base or (TEST_API if api_key.startswith("creem_test_") else LIVE_API)
        self.http = httpx.Client(base_url=base.rstrip("/"), headers={"x-api-key": api_key}, timeout=TIMEOUT_SECONDS)
        self.webhook_secret = webhook_secret.encode()

    def start_checkout(self, request: CheckoutRequest) -> Checkout:
        body = {
            "product_id": request.offer.creem_product,
            "request_id": request.order,
            "success_url": request.success_url,
            "metadata": {"order": request.order, "offer": request.offer.id},
        }
        found = self._call("POST", "/v1/checkouts", "open a checkout", json=body)
        return Checkout(reference=str(found["id"]), url=str(found.get("checkout_url") or ""))

    def confirm(self, checkout: str) -> list[PaymentEvent]:
        found = self._call("GET", "/v1/checkouts", "confirm this payment", params={"checkout_id": checkout})
        order = found.get("order") if isinstance(found.get("order"), dict) else {}
        if found.get("status") != "completed" or (order or {}).get("status") != "paid":
            return []
        events = [_checkout_event(found, "", "confirmed")]
        subscription = found.get("subscription")
        if isinstance(subscription, dict) and subscription.get("last_transaction_id"):
            events.append(_month_event(subscription, "", "confirmed", found))
        return events

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> PaymentEvent:
        signature = headers.get("creem-signature", "")
        expected = hmac.new(self.webhook_secret, body, hashlib.sha256).hexdigest()
        if not signature or not hmac.compare_digest(signature.encode(), expected.encode()):
            raise WebhookRejectedError("Creem signature refused")
        try:
            data = json.loads(body)
        except ValueError:
            raise WebhookRejectedError("Creem event is not JSON") from None
        obj = data.get("object") if isinstance(data, dict) else None
        if not isinstance(obj, dict) or not data.get("id"):
            raise WebhookRejectedError("Creem event without an id or an object")
        return _event(str(data["id"]), str(data.get("eventType", "")), obj)

    def cancel_plan(self, subscription: str) -> None:
        self._call("POST", f"/v1/subscriptions/{subscription}/cancel", "cancel the plan", json={"mode": "scheduled"})

    def _call(self, method: str, path: str, doing: str, **kwargs: Any) -> dict[str, Any]:
        refused = PaymentError(f"Creem could not {doing} just now. Nothing was charged by us; please try again.")
        try:
            response = self.http.request(method, path, **kwargs)
            response.raise_for_status()
            found = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            status = exc.response.status_code if isinstance(exc, httpx.HTTPStatusError) else None
            log.warning("Creem could not %s: %s (HTTP %s)", doing, type(exc).__name__, status)
            raise refused from None
        if not isinstance(found, dict):
            log.warning("Creem could not %s: the answer is not a JSON object", doing)
            raise refused
        return found


def _event(event_id: str, kind: str, obj: dict[str, Any]) -> PaymentEvent:
    if kind == "checkout.completed":
        return _checkout_event(obj, event_id, kind)
    if kind == "subscription.paid":
        return _month_event(obj, event_id, kind)
    if kind in ("subscription.canceled", "subscription.expired"):
        return PaymentEvent(NAME, EventKind.PLAN_ENDED, event_id, subscription=str(obj.get("id", "")), type=kind)
    if kind == "subscription.scheduled_cancel":
        return PaymentEvent(
            NAME,
            EventKind.PLAN_CANCELING,
            event_id,
            subscription=str(obj.get("id", "")),
            period_end=_when(obj.get("current_period_end_date")),
            type=kind,
        )
    if kind in ("refund.created", "dispute.created"):
        transaction = _dict(obj.get("transaction"))
        checkout = _dict(obj.get("checkout"))
        refunded = int(transaction.get("refunded_amount") or obj.get("refund_amount") or 0)
        return PaymentEvent(
            NAME,
            EventKind.REFUNDED if kind == "refund.created" else EventKind.DISPUTE_OPENED,
            event_id,
            order=str(checkout.get("request_id") or _dict(checkout.get("metadata")).get("order") or ""),
            payment=str(transaction.get("id") or ""),
            also_payment=_id(transaction.get("order")) or _id(obj.get("order")),
            refunded=refunded,
            amount=int(obj.get("amount") or 0),
            dispute=str(obj.get("id", "")) if kind == "dispute.created" else "",
            currency=str(obj.get("refund_currency") or obj.get("currency") or ""),
            type=kind,
        )
    return PaymentEvent(NAME, EventKind.IGNORED, event_id, type=kind)


def _checkout_event(checkout: dict[str, Any], event_id: str, kind: str) -> PaymentEvent:
    """A completed checkout: a paid pack, or a started plan (its months come with subscription.paid)."""
    order = _dict(checkout.get("order"))
    ours = str(checkout.get("request_id") or _dict(checkout.get("metadata")).get("order") or "")
    subscription = _id(checkout.get("subscription"))
    if order.get("type") == "recurring" or subscription:
        return PaymentEvent(
            NAME,
            EventKind.STARTED,
            event_id,
            order=ours,
            checkout=str(checkout.get("id", "")),
            subscription=subscription,
            type=kind,
        )
    if order.get("status", "paid") != "paid":
        return PaymentEvent(NAME, EventKind.IGNORED, event_id, type=kind)
    return PaymentEvent(
        NAME,
        EventKind.PAID,
        event_id,
        order=ours,
        checkout=str(checkout.get("id", "")),
        grant=str(order.get("id", "")),
        payment=_id(order.get("transaction")) or str(order.get("id", "")),
        also_payment=str(order.get("id", "")),
        amount=int(order.get("amount") or 0),
        currency=str(order.get("currency") or "").lower(),
        type=kind,
    )


def _month_event(
    subscription: dict[str, Any], event_id: str, kind: str, checkout: dict[str, Any] | None = None
) -> PaymentEvent:
    """A paid month of a plan, keyed by its transaction (the first one is also the checkout's)."""
    transaction = str(subscription.get("last_transaction_id") or "")
    product = _dict(subscription.get("product"))
    ours = _dict(subscription.get("metadata")).get("order") or (checkout or {}).get("request_id") or ""
    return PaymentEvent(
        NAME,
        EventKind.MONTH_PAID,
        event_id,
        order=str(ours),
        checkout=str((checkout or {}).get("id", "")),
        subscription=str(subscription.get("id", "")),
        grant=transaction,
        payment=transaction,
        amount=int(product.get("price") or 0),
        currency=str(product.get("currency") or "").lower(),
        period_end=_when(subscription.get("current_period_end_date")),
        type=kind,
    )


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _id(value: object) -> str:
    """Creem sends a related object either expanded or as its id."""
    if isinstance(value, dict):
        return str(value.get("id") or "")
    return str(value or "")


def _when(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
