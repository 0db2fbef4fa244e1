"""Stripe: Checkout Sessions through `StripeClient`, and Stripe's signed webhooks read into PaymentEvents.

The only module that imports `stripe`. Notes: ../shared/reference/stripe-creem.md section 1.
- Telemetry is off (it would write an id file under ~/.config).
- A checkout is created with the idempotency key `checkout:<order>`, so a retry or a rerun
  returns the first session; the order's id travels as `client_reference_id` and metadata
  (on the session, and on the payment intent or the subscription), never a name or an email.
- API version 2026-10-28.endive: an invoice names its subscription under
  `parent.subscription_details` and its payment under `payments`; read defensively, since a
  webhook endpoint renders events in its own API version.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import stripe

from core.domain.billing import Checkout, CheckoutRequest, EventKind, OfferKind, PaymentEvent
from core.errors import PaymentError, WebhookRejectedError

stripe.enable_telemetry = False
log = logging.getLogger(__name__)
TOLERANCE_SECONDS = 300  # Stripe's default: an older signed timestamp is a replay
NAME = "stripe"
RETURN_PARAM = "checkout"  # the success URL's parameter Stripe fills with the session id


class StripePayments:
    name = NAME
    has_webhooks = True

    def __init__(self, secret_key: str, webhook_secret: str, *, api_base: str = "") -> None:
        addresses: Any = {"api": api_base.rstrip("/")} if api_base else None
        self.client = stripe.StripeClient(secret_key, base_addresses=addresses, max_network_retries=2)
        self.webhook_secret = webhook_secret

    def start_checkout(self, request: CheckoutRequest) -> Checkout:
        offer, order = request.offer, request.order
        item: dict[str, Any] = {"quantity": 1}
        if offer.stripe_price:
            item["price"] = offer.stripe_price
        else:
            data: dict[str, Any] = {
                "currency": offer.currency,
                "unit_amount": offer.amount,
                "product_data": {"name": offer.name},
            }
            if offer.kind == OfferKind.PLAN:
                data["recurring"] = {"interval": "month"}
            item["price_data"] = data
        metadata = {"order": order, "offer": offer.id}
        params: dict[str, Any] = {
            "mode": "subscription" if offer.kind == OfferKind.PLAN else "payment",
            "line_items": [item],
            "client_reference_id": order,
            "metadata": metadata,
            "success_url": _with_query(request.success_url, f"{RETURN_PARAM}={{CHECKOUT_SESSION_ID}}"),
            "cancel_url": request.cancel_url,
        }
        if offer.kind == OfferKind.PLAN:
            params["subscription_data"] = {"metadata": metadata}
        else:
            params["payment_intent_data"] = {"metadata": metadata}
        try:
            session = self.client.v1.checkout.sessions.create(
                params,  # type: ignore[arg-type]
                {"idempotency_key": f"checkout:{order}"},
            )
        except stripe.StripeError as exc:
            log.warning("Stripe refused a checkout: %s (HTTP %s)", type(exc).__name__, exc.http_status)
            raise PaymentError(
                "Stripe could not open a checkout just now. Nothing was charged; please try again."
            ) from None
        return Checkout(reference=session.id, url=session.url or "")

    def confirm(self, checkout: str) -> list[PaymentEvent]:
        try:
            session = self.client.v1.checkout.sessions.retrieve(checkout).to_dict()
            paid_month = session.get("payment_status") == "paid" and session.get("invoice")
            if session.get("mode") != "subscription" or not paid_month or not session.get("subscription"):
                return _session_events(session, "confirmed")
            subscription = self.client.v1.subscriptions.retrieve(str(session["subscription"])).to_dict()
        except stripe.StripeError as exc:
            log.warning("Stripe could not confirm a checkout: %s (HTTP %s)", type(exc).__name__, exc.http_status)
            raise PaymentError(
                "Stripe could not confirm this payment just now. If it went through, "
                "your credits arrive within a minute; this page shows them when they do."
            ) from None
        return [
            *_session_events(session, "confirmed"),
            PaymentEvent(
                NAME,
                EventKind.MONTH_PAID,
                order=_order_of(session),
                checkout=str(session["id"]),
                subscription=str(subscription.get("id", "")),
                grant=str(session["invoice"]),  # the first invoice: the key invoice.paid grants under too
                amount=int(session.get("amount_total") or 0),
                currency=str(session.get("currency") or ""),
                period_end=_period_end(subscription),
                type="confirmed",
            ),
        ]

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> PaymentEvent:
        signature = headers.get("stripe-signature", "")
        if not signature:
            raise WebhookRejectedError("no Stripe-Signature header")
        try:
            event = stripe.Webhook.construct_event(body, signature, self.webhook_secret, TOLERANCE_SECONDS)
        except (stripe.SignatureVerificationError, ValueError) as exc:
            raise WebhookRejectedError(f"Stripe signature refused: {type(exc).__name__}") from None
        data = event.to_dict()
        obj = data.get("data", {}).get("object", {})
        if not isinstance(obj, dict):
            raise WebhookRejectedError("Stripe event without an object")
        return _event(str(data.get("id", "")), str(data.get("type", "")), obj)

    def cancel_plan(self, subscription: str) -> None:
        try:
            self.client.v1.subscriptions.update(subscription, {"cancel_at_period_end": True})
        except stripe.StripeError as exc:
            log.warning("Stripe could not cancel a plan: %s (HTTP %s)", type(exc).__name__, exc.http_status)
            raise PaymentError(
                "Stripe could not cancel the plan just now. Nothing changed; please try again."
            ) from None


def _event(event_id: str, kind: str, obj: dict[str, Any]) -> PaymentEvent:
    """One Stripe event in our terms; anything we do not act on is IGNORED (and still answered 200)."""
    if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        found = _session_events(obj, kind)
        return _with_id(found[0], event_id) if found else PaymentEvent(NAME, EventKind.IGNORED, event_id, type=kind)
    if kind == "checkout.session.async_payment_failed":
        return PaymentEvent(NAME, EventKind.FAILED, event_id, order=_order_of(obj), checkout=str(obj["id"]), type=kind)
    if kind == "invoice.paid":
        details = (obj.get("parent") or {}).get("subscription_details") or {}
        subscription = details.get("subscription") or obj.get("subscription") or ""
        if not subscription:
            return PaymentEvent(NAME, EventKind.IGNORED, event_id, type=kind)
        lines = (obj.get("lines") or {}).get("data") or [{}]
        end = (lines[0].get("period") or {}).get("end") or obj.get("period_end")
        return PaymentEvent(
            NAME,
            EventKind.MONTH_PAID,
            event_id,
            order=str((details.get("metadata") or {}).get("order", "")),
            subscription=str(subscription),
            grant=str(obj["id"]),
            payment=_invoice_payment(obj),
            amount=int(obj.get("amount_paid") or 0),
            currency=str(obj.get("currency") or ""),
            period_end=_when(end),
            type=kind,
        )
    if kind == "charge.refunded":
        return PaymentEvent(
            NAME,
            EventKind.REFUNDED,
            event_id,
            payment=str(obj.get("payment_intent") or obj["id"]),
            also_payment=str(obj["id"]),
            refunded=int(obj.get("amount_refunded") or 0),
            currency=str(obj.get("currency") or ""),
            type=kind,
        )
    if kind in ("charge.dispute.created", "charge.dispute.closed"):
        return PaymentEvent(
            NAME,
            EventKind.DISPUTE_OPENED if kind.endswith("created") else EventKind.DISPUTE_CLOSED,
            event_id,
            payment=str(obj.get("payment_intent") or obj.get("charge") or ""),
            also_payment=str(obj.get("charge") or ""),
            dispute=str(obj["id"]),
            amount=int(obj.get("amount") or 0),
            dispute_won=obj.get("status") in ("won", "warning_closed"),
            type=kind,
        )
    if kind == "customer.subscription.deleted":
        return PaymentEvent(NAME, EventKind.PLAN_ENDED, event_id, subscription=str(obj["id"]), type=kind)
    if kind == "customer.subscription.updated" and obj.get("cancel_at_period_end"):
        return PaymentEvent(
            NAME,
            EventKind.PLAN_CANCELING,
            event_id,
            subscription=str(obj["id"]),
            period_end=_period_end(obj),
            type=kind,
        )
    return PaymentEvent(NAME, EventKind.IGNORED, event_id, type=kind)


def _session_events(session: dict[str, Any], kind: str) -> list[PaymentEvent]:
    """A completed Checkout Session: a paid pack, or a started plan (whose month comes with its invoice)."""
    if session.get("status") != "complete":
        return []
    order, checkout = _order_of(session), str(session["id"])
    if session.get("mode") == "subscription":
        if not session.get("subscription"):
            return []
        return [
            PaymentEvent(
                NAME,
                EventKind.STARTED,
                order=order,
                checkout=checkout,
                subscription=str(session["subscription"]),
                type=kind,
            )
        ]
    if session.get("payment_status") not in ("paid", "no_payment_required"):
        return []  # a delayed method: async_payment_succeeded or _failed follows
    return [
        PaymentEvent(
            NAME,
            EventKind.PAID,
            order=order,
            checkout=checkout,
            grant=checkout,
            payment=str(session.get("payment_intent") or ""),
            amount=int(session.get("amount_total") or 0),
            currency=str(session.get("currency") or ""),
            type=kind,
        )
    ]


def _with_id(event: PaymentEvent, event_id: str) -> PaymentEvent:
    return dataclasses.replace(event, event_id=event_id)


def _order_of(obj: dict[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("order") or obj.get("client_reference_id") or "")


def _invoice_payment(invoice: dict[str, Any]) -> str:
    for paid in (invoice.get("payments") or {}).get("data") or []:
        intent = (paid.get("payment") or {}).get("payment_intent")
        if intent:
            return str(intent)
    return str(invoice.get("payment_intent") or "")  # older API versions


def _period_end(subscription: dict[str, Any]) -> datetime | None:
    items = (subscription.get("items") or {}).get("data") or [{}]
    return _when(items[0].get("current_period_end") or subscription.get("current_period_end"))


def _when(seconds: object) -> datetime | None:
    return datetime.fromtimestamp(int(seconds), UTC) if isinstance(seconds, int | float) and seconds else None


def _with_query(url: str, query: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{query}"
