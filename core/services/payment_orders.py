"""Orders as fulfilment changes them: a new one, the one an event names, their fields and their status."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from core.domain.billing import DisputeStatus, OfferKind, OrderStatus, PaymentEvent
from db.tables import Order
from db.uow import UnitOfWork

UNPAID = (OrderStatus.PENDING, OrderStatus.FAILED, OrderStatus.CANCELED)


@dataclass(frozen=True)
class Applied:
    outcome: str  # applied | duplicate | waiting | ignored
    order: str = ""  # the public id of the order it acted on


def new_public_id() -> str:
    return secrets.token_hex(8)


def new_order(
    user_id: int,
    offer_id: str,
    offer_name: str,
    kind: OfferKind,
    credits: int,
    amount: int,
    currency: str,
    provider: str,
    now: datetime,
    public_id: str = "",
) -> Order:
    """A pending order: a checkout about to open, or a plan's month about to be granted."""
    return Order(
        public_id=public_id or new_public_id(),
        user_id=user_id,
        offer_id=offer_id,
        offer_name=offer_name,
        kind=kind,
        credits=credits,
        amount=amount,
        currency=currency,
        provider=provider,
        status=OrderStatus.PENDING,
        created_at=now,
        updated_at=now,
    )


def order_named(uow: UnitOfWork, event: PaymentEvent) -> Order | None:
    """Our order named by the event (its public id echoed back, or its checkout), locked; only the
    provider it was sold through may speak for it."""
    order = uow.billing.order(event.order, lock=True) if event.order else None
    if order is None and event.checkout:
        order = uow.billing.order_by_checkout(event.provider, event.checkout, lock=True)
    return order if order is not None and order.provider == event.provider else None


def order_status(order: Order) -> OrderStatus:
    if not order.grant_ref:
        return OrderStatus(order.status)
    if order.dispute_status in (DisputeStatus.OPEN, DisputeStatus.LOST):
        return OrderStatus.DISPUTED
    if order.amount_refunded >= order.amount > 0:
        return OrderStatus.REFUNDED
    return OrderStatus.PARTLY_REFUNDED if order.amount_refunded > 0 else OrderStatus.PAID


def set_fields(order: Order, now: datetime, **values: object) -> None:
    for name, value in values.items():
        setattr(order, name, value)
    order.updated_at = now
