"""Stripe's payloads read into typed models, then into PaymentEvents: its signed events and our API answers alike.

Only what we act on is declared, strictly (provider_events.py); the rest of each object is ignored. API
version 2026-10-28.endive names an invoice's subscription under `parent.subscription_details` and its payment
under `payments`; the older top-level `subscription` and `payment_intent` are read too, since a webhook
endpoint renders events in its own API version. An event type we do not handle is IGNORED once its envelope
(id, type, data.object) is sound.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import Field

from core.adapters.provider_events import (
    Amount,
    CheckoutUrl,
    Currency,
    EventType,
    Id,
    Payload,
    PositiveAmount,
    UnixTime,
    Word,
    parse_signed,
    read,
    read_json,
)
from core.domain.billing import EventKind, PaymentEvent

NAME = "stripe"
OBJECT = "data.object"


class OpenedSession(Payload):
    """What `sessions.create` answered: the session, and the page the buyer goes to."""

    id: Id
    url: CheckoutUrl | None = None


class Metadata(Payload):
    order: Id | None = None  # ours: the order's public id


class Session(Payload):
    """A Checkout Session (checkout.session.*, and `sessions.retrieve`)."""

    id: Id
    status: Word | None = None
    mode: Word | None = None
    payment_status: Word | None = None
    metadata: Metadata | None = None
    client_reference_id: Id | None = None
    payment_intent: Id | None = None
    subscription: Id | None = None
    invoice: Id | None = None
    amount_total: Amount | None = None
    currency: Currency | None = None

    @property
    def order(self) -> str:
        return (self.metadata.order if self.metadata else None) or self.client_reference_id or ""


class SubscriptionDetails(Payload):
    subscription: Id | None = None
    metadata: Metadata | None = None


class InvoiceParent(Payload):
    subscription_details: SubscriptionDetails | None = None


class Period(Payload):
    end: UnixTime | None = None


class InvoiceLine(Payload):
    period: Period | None = None


class InvoiceLines(Payload):
    data: list[InvoiceLine] = Field(default_factory=list)


class PaymentReference(Payload):
    payment_intent: Id | None = None


class InvoicePayment(Payload):
    payment: PaymentReference | None = None


class InvoicePayments(Payload):
    data: list[InvoicePayment] = Field(default_factory=list)


class Invoice(Payload):
    id: Id
    parent: InvoiceParent | None = None
    subscription: Id | None = None  # older API versions
    payment_intent: Id | None = None  # older API versions
    payments: InvoicePayments | None = None
    lines: InvoiceLines | None = None
    period_end: UnixTime | None = None
    amount_paid: Amount | None = None
    currency: Currency | None = None


class Charge(Payload):
    id: Id
    payment_intent: Id | None = None
    amount_refunded: Amount  # cumulative
    currency: Currency | None = None


class Dispute(Payload):
    id: Id
    charge: Id
    payment_intent: Id | None = None
    amount: PositiveAmount
    status: Word | None = None
    currency: Currency | None = None


class SubscriptionItem(Payload):
    current_period_end: UnixTime | None = None


class SubscriptionItems(Payload):
    data: list[SubscriptionItem] = Field(default_factory=list)


class Subscription(Payload):
    id: Id
    cancel_at_period_end: bool | None = None
    items: SubscriptionItems | None = None
    current_period_end: UnixTime | None = None  # older API versions

    @property
    def period_end(self) -> datetime | None:
        first = self.items.data[0].current_period_end if self.items and self.items.data else None
        return first or self.current_period_end


class EventData(Payload):
    object: dict[str, Any]


class Event(Payload):
    id: Id
    type: EventType
    data: EventData


# -- signed events ---------------------------------------------------------------------------------------------


def parse_event(body: bytes) -> PaymentEvent:
    """A signed event's raw body as a PaymentEvent; MalformedEventError, in our words, if it is not sound."""
    return parse_signed(NAME, body, _read_event, ("id", "type"))


def _read_event(body: bytes) -> PaymentEvent:
    event = read_json(Event, body)
    reader = _READERS.get(event.type)
    if reader is None:
        return PaymentEvent(NAME, EventKind.IGNORED, event.id, type=event.type)
    return reader(event.id, event.type, event.data.object)


def _session_paid(event_id: str, kind: str, obj: dict[str, Any]) -> PaymentEvent:
    found = session_events(read(Session, obj, OBJECT), kind, event_id)
    return found[0] if found else PaymentEvent(NAME, EventKind.IGNORED, event_id, type=kind)


def _session_failed(event_id: str, kind: str, obj: dict[str, Any]) -> PaymentEvent:
    session = read(Session, obj, OBJECT)
    return PaymentEvent(NAME, EventKind.FAILED, event_id, order=session.order, checkout=session.id, type=kind)


def _invoice_paid(event_id: str, kind: str, obj: dict[str, Any]) -> PaymentEvent:
    invoice = read(Invoice, obj, OBJECT)
    details = (invoice.parent.subscription_details if invoice.parent else None) or SubscriptionDetails()
    subscription = details.subscription or invoice.subscription or ""
    if not subscription:
        return PaymentEvent(NAME, EventKind.IGNORED, event_id, type=kind)
    lines = invoice.lines.data if invoice.lines else []
    first_line = lines[0].period.end if lines and lines[0].period else None
    payments = invoice.payments.data if invoice.payments else []
    intents = [p.payment.payment_intent for p in payments if p.payment and p.payment.payment_intent]
    return PaymentEvent(
        NAME,
        EventKind.MONTH_PAID,
        event_id,
        order=(details.metadata.order if details.metadata else None) or "",
        subscription=subscription,
        grant=invoice.id,
        payment=(intents[0] if intents else None) or invoice.payment_intent or "",
        amount=invoice.amount_paid or 0,
        currency=invoice.currency or "",
        period_end=first_line or invoice.period_end,
        type=kind,
    )


def _charge_refunded(event_id: str, kind: str, obj: dict[str, Any]) -> PaymentEvent:
    charge = read(Charge, obj, OBJECT)
    return PaymentEvent(
        NAME,
        EventKind.REFUNDED,
        event_id,
        payment=charge.payment_intent or charge.id,
        also_payment=charge.id,
        refunded=charge.amount_refunded,
        currency=charge.currency or "",
        type=kind,
    )


def _dispute(event_id: str, kind: str, obj: dict[str, Any]) -> PaymentEvent:
    dispute = read(Dispute, obj, OBJECT)
    return PaymentEvent(
        NAME,
        EventKind.DISPUTE_OPENED if kind.endswith("created") else EventKind.DISPUTE_CLOSED,
        event_id,
        payment=dispute.payment_intent or dispute.charge,
        also_payment=dispute.charge,
        dispute=dispute.id,
        amount=dispute.amount,
        currency=dispute.currency or "",
        dispute_won=dispute.status in ("won", "warning_closed"),
        type=kind,
    )


def _subscription_deleted(event_id: str, kind: str, obj: dict[str, Any]) -> PaymentEvent:
    subscription = read(Subscription, obj, OBJECT)
    return PaymentEvent(NAME, EventKind.PLAN_ENDED, event_id, subscription=subscription.id, type=kind)


def _subscription_updated(event_id: str, kind: str, obj: dict[str, Any]) -> PaymentEvent:
    subscription = read(Subscription, obj, OBJECT)
    if not subscription.cancel_at_period_end:
        return PaymentEvent(NAME, EventKind.IGNORED, event_id, type=kind)
    return PaymentEvent(
        NAME,
        EventKind.PLAN_CANCELING,
        event_id,
        subscription=subscription.id,
        period_end=subscription.period_end,
        type=kind,
    )


_READERS: dict[str, Callable[[str, str, dict[str, Any]], PaymentEvent]] = {
    "checkout.session.completed": _session_paid,
    "checkout.session.async_payment_succeeded": _session_paid,
    "checkout.session.async_payment_failed": _session_failed,
    "invoice.paid": _invoice_paid,
    "charge.refunded": _charge_refunded,
    "charge.dispute.created": _dispute,
    "charge.dispute.closed": _dispute,
    "customer.subscription.deleted": _subscription_deleted,
    "customer.subscription.updated": _subscription_updated,
}


# -- a checkout we asked about ---------------------------------------------------------------------------------


def session_events(session: Session, kind: str, event_id: str = "") -> list[PaymentEvent]:
    """A completed Checkout Session: a paid pack, or a started plan (whose month comes with its invoice)."""
    if session.status != "complete":
        return []
    if session.mode == "subscription":
        if not session.subscription:
            return []
        started = PaymentEvent(
            NAME,
            EventKind.STARTED,
            event_id,
            order=session.order,
            checkout=session.id,
            subscription=session.subscription,
            type=kind,
        )
        return [started]
    if session.payment_status not in ("paid", "no_payment_required"):
        return []  # a delayed method: async_payment_succeeded or _failed follows
    paid = PaymentEvent(
        NAME,
        EventKind.PAID,
        event_id,
        order=session.order,
        checkout=session.id,
        grant=session.id,
        payment=session.payment_intent or "",
        amount=session.amount_total or 0,
        currency=session.currency or "",
        type=kind,
    )
    return [paid]


def month_to_confirm(session: Session) -> str:
    """The subscription to look up when a plan's checkout is paid (its first month is granted on the return
    page too); "" when there is none."""
    paid = session.payment_status == "paid" and session.invoice
    return (session.subscription or "") if session.mode == "subscription" and paid else ""


def first_month(session: Session, subscription: Subscription) -> PaymentEvent:
    """The first month of a plan, confirmed by asking: keyed by the first invoice, as invoice.paid is."""
    return PaymentEvent(
        NAME,
        EventKind.MONTH_PAID,
        order=session.order,
        checkout=session.id,
        subscription=subscription.id,
        grant=session.invoice or "",
        amount=session.amount_total or 0,
        currency=session.currency or "",
        period_end=subscription.period_end,
        type="confirmed",
    )
