"""Creem's payloads read into typed models, then into PaymentEvents: its signed events and our API answers alike.

Only what we act on is declared, strictly (provider_events.py); the rest is ignored. Creem's envelope is
`{"id", "eventType", "created_at", "object"}`, and it sends a related object either as its id or expanded
(a checkout's subscription, an order's transaction): both are read. An event type we do not handle is
IGNORED once its envelope is sound.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import Discriminator, Tag

from core.adapters.provider_events import (
    Amount,
    CheckoutUrl,
    Currency,
    EventType,
    Id,
    IsoTime,
    Payload,
    PositiveAmount,
    Unreadable,
    Word,
    parse_signed,
    read,
    read_json,
)
from core.domain.billing import EventKind, PaymentEvent

NAME = "creem"
OBJECT = "object"


def _branch(value: object) -> str:
    return "ref" if isinstance(value, str) else "expanded"


class OpenedCheckout(Payload):
    """What `POST /v1/checkouts` answered: the checkout, and the page the buyer goes to."""

    id: Id
    checkout_url: CheckoutUrl | None = None


class Metadata(Payload):
    order: Id | None = None  # ours: the order's public id


class Reference(Payload):
    """A related object, expanded: we read its id."""

    id: Id


IdOrReference = Annotated[Annotated[Id, Tag("ref")] | Annotated[Reference, Tag("expanded")], Discriminator(_branch)]


class Order(Payload):
    id: Id
    type: Word | None = None  # onetime | recurring
    status: Word | None = None  # pending | paid
    amount: Amount | None = None
    currency: Currency | None = None
    transaction: IdOrReference | None = None


class Product(Payload):
    price: Amount | None = None
    currency: Currency | None = None


class Subscription(Payload):
    id: Id
    last_transaction_id: Id | None = None
    product: (
        Annotated[Annotated[Id, Tag("ref")] | Annotated[Product, Tag("expanded")], Discriminator(_branch)] | None
    ) = None
    metadata: Metadata | None = None
    current_period_end_date: IsoTime | None = None


class Checkout(Payload):
    id: Id
    status: Word | None = None
    request_id: Id | None = None
    metadata: Metadata | None = None
    order: Order | None = None
    subscription: (
        Annotated[Annotated[Id, Tag("ref")] | Annotated[Subscription, Tag("expanded")], Discriminator(_branch)] | None
    ) = None


class CheckoutNote(Payload):
    """The checkout a refund or a dispute carries: it names our order."""

    request_id: Id | None = None
    metadata: Metadata | None = None


class Transaction(Payload):
    id: Id
    refunded_amount: Amount | None = None  # cumulative
    order: IdOrReference | None = None


class Refund(Payload):
    id: Id
    transaction: Transaction | None = None
    checkout: CheckoutNote | None = None
    order: IdOrReference | None = None
    refund_amount: Amount | None = None
    refund_currency: Currency | None = None


class Dispute(Payload):
    id: Id
    transaction: Transaction | None = None
    checkout: CheckoutNote | None = None
    order: IdOrReference | None = None
    amount: PositiveAmount | None = None  # none: the whole payment
    currency: Currency | None = None


class Event(Payload):
    id: Id
    eventType: EventType  # Creem's own name
    object: dict[str, Any]


# -- signed events ---------------------------------------------------------------------------------------------


def parse_event(body: bytes) -> PaymentEvent:
    """A signed event's raw body as a PaymentEvent; MalformedEventError, in our words, if it is not sound."""
    return parse_signed(NAME, body, _read_event, ("id", "eventType"))


def _read_event(body: bytes) -> PaymentEvent:
    event = read_json(Event, body)
    reader = _READERS.get(event.eventType)
    if reader is None:
        return PaymentEvent(NAME, EventKind.IGNORED, event.id, type=event.eventType)
    return reader(event.id, event.eventType, event.object)


def _checkout_completed(event_id: str, kind: str, obj: dict[str, Any]) -> PaymentEvent:
    return checkout_event(read(Checkout, obj, OBJECT), event_id, kind)


def _subscription_paid(event_id: str, kind: str, obj: dict[str, Any]) -> PaymentEvent:
    return month_event(read(Subscription, obj, OBJECT), event_id, kind)


def _subscription_ended(event_id: str, kind: str, obj: dict[str, Any]) -> PaymentEvent:
    subscription = read(Subscription, obj, OBJECT)
    return PaymentEvent(NAME, EventKind.PLAN_ENDED, event_id, subscription=subscription.id, type=kind)


def _subscription_canceling(event_id: str, kind: str, obj: dict[str, Any]) -> PaymentEvent:
    subscription = read(Subscription, obj, OBJECT)
    return PaymentEvent(
        NAME,
        EventKind.PLAN_CANCELING,
        event_id,
        subscription=subscription.id,
        period_end=subscription.current_period_end_date,
        type=kind,
    )


def _refund(event_id: str, kind: str, obj: dict[str, Any]) -> PaymentEvent:
    refund = read(Refund, obj, OBJECT)
    transaction = refund.transaction
    return PaymentEvent(
        NAME,
        EventKind.REFUNDED,
        event_id,
        order=_ours(refund.checkout),
        payment=transaction.id if transaction else "",
        also_payment=_id(transaction.order if transaction else None) or _id(refund.order),
        refunded=(transaction.refunded_amount if transaction else None) or refund.refund_amount or 0,
        currency=refund.refund_currency or "",
        type=kind,
    )


def _dispute(event_id: str, kind: str, obj: dict[str, Any]) -> PaymentEvent:
    dispute = read(Dispute, obj, OBJECT)
    transaction = dispute.transaction
    return PaymentEvent(
        NAME,
        EventKind.DISPUTE_OPENED,
        event_id,
        order=_ours(dispute.checkout),
        payment=transaction.id if transaction else "",
        also_payment=_id(transaction.order if transaction else None) or _id(dispute.order),
        amount=dispute.amount or 0,  # 0: the whole payment
        dispute=dispute.id,
        currency=dispute.currency or "",
        type=kind,
    )


_READERS: dict[str, Callable[[str, str, dict[str, Any]], PaymentEvent]] = {
    "checkout.completed": _checkout_completed,
    "subscription.paid": _subscription_paid,
    "subscription.canceled": _subscription_ended,
    "subscription.expired": _subscription_ended,
    "subscription.scheduled_cancel": _subscription_canceling,
    "refund.created": _refund,
    "dispute.created": _dispute,
}


# -- shared with a checkout we asked about ---------------------------------------------------------------------


def checkout_event(checkout: Checkout, event_id: str, kind: str) -> PaymentEvent:
    """A completed checkout: a paid pack, or a started plan (its months come with subscription.paid)."""
    order, ours = checkout.order, _ours(checkout)
    subscription = _id(checkout.subscription)
    if (order is not None and order.type == "recurring") or subscription:
        return PaymentEvent(
            NAME, EventKind.STARTED, event_id, order=ours, checkout=checkout.id, subscription=subscription, type=kind
        )
    if order is None:
        raise Unreadable(f"{OBJECT}.order is missing: a paid checkout is keyed by its order")
    if (order.status or "paid") != "paid":
        return PaymentEvent(NAME, EventKind.IGNORED, event_id, type=kind)
    return PaymentEvent(
        NAME,
        EventKind.PAID,
        event_id,
        order=ours,
        checkout=checkout.id,
        grant=order.id,
        payment=_id(order.transaction) or order.id,
        also_payment=order.id,
        amount=order.amount or 0,
        currency=order.currency or "",
        type=kind,
    )


def month_event(subscription: Subscription, event_id: str, kind: str, checkout: Checkout | None = None) -> PaymentEvent:
    """A paid month of a plan, keyed by its transaction (the first one is also the checkout's)."""
    if not subscription.last_transaction_id:
        raise Unreadable(f"{OBJECT}.last_transaction_id is missing: a paid month is keyed by its transaction")
    product = subscription.product if isinstance(subscription.product, Product) else Product()
    ours = (subscription.metadata.order if subscription.metadata else None) or (
        checkout.request_id if checkout else None
    )
    return PaymentEvent(
        NAME,
        EventKind.MONTH_PAID,
        event_id,
        order=ours or "",
        checkout=checkout.id if checkout else "",
        subscription=subscription.id,
        grant=subscription.last_transaction_id,
        payment=subscription.last_transaction_id,
        amount=product.price or 0,
        currency=product.currency or "",
        period_end=subscription.current_period_end_date,
        type=kind,
    )


def confirmed(found: object) -> list[PaymentEvent]:
    """What `GET /v1/checkouts` answered, as events: none until the checkout is completed and its order paid."""
    checkout = read(Checkout, found)
    if checkout.status != "completed" or checkout.order is None or checkout.order.status != "paid":
        return []
    events = [checkout_event(checkout, "", "confirmed")]
    if isinstance(checkout.subscription, Subscription) and checkout.subscription.last_transaction_id:
        events.append(month_event(checkout.subscription, "", "confirmed", checkout))
    return events


def _ours(checkout: Checkout | CheckoutNote | None) -> str:
    if checkout is None:
        return ""
    return checkout.request_id or (checkout.metadata.order if checkout.metadata else None) or ""


def _id(value: str | Reference | Subscription | None) -> str:
    """Creem sends a related object either expanded or as its id."""
    if value is None:
        return ""
    return value if isinstance(value, str) else value.id
