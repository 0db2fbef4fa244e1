"""Fulfilment: the one function that turns what a payment provider said into orders, plans and credits.

`apply` runs inside the caller's unit of work, for a signed webhook and for the return page
alike (after the server asked the provider itself). It is idempotent twice over: the provider's
event id is recorded once, and every grant has its own business key (the order's `grant_ref`
and the ledger's idempotency key), so a replay, the same payment reported by two events, or the
webhook and the return page racing, all grant once. Money going back (refunds, disputes) is
core/services/clawbacks.py.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from core.domain.billing import EventKind, OfferKind, OrderStatus, PaymentEvent, PlanStatus
from core.errors import MalformedEventError
from core.services import audit, ledger
from core.services.clawbacks import dispute_closed, dispute_opened, refunded, settle_clawback
from core.services.payment_orders import (
    UNPAID,
    Applied,
    new_order,
    new_public_id,
    order_named,
    set_fields,
)
from db.tables import Order, PaymentEventRecord, Plan
from db.uow import UnitOfWork

__all__ = ["Applied", "apply", "new_order", "new_public_id", "reject"]


def apply(uow: UnitOfWork, event: PaymentEvent, now: datetime) -> Applied:
    """Act on one provider event, once. The caller commits."""
    if event.event_id:
        record = PaymentEventRecord(
            provider=event.provider,
            event_id=event.event_id,
            type=event.type[:60],
            state="applied",
            payment_ref=event.payment,
            payload=_payload(event),
            received_at=now,
        )
        if not uow.billing.record_event(record):
            return Applied("duplicate")
    else:
        record = None
    result = _HANDLERS[event.kind](uow, event, now)
    if record is not None:
        record.state = "applied" if result.outcome == "applied" else result.outcome
        if result.order and (order := uow.billing.order(result.order)):
            record.order_id = order.id
    return result


def reject(uow: UnitOfWork, provider: str, refused: MalformedEventError, now: datetime) -> bool:
    """A well-signed event we could not read: recorded for admins in the audit log, once per provider event
    (a retry is the same event: its id, or a digest of its body when it has no readable id), and nothing
    else changes. Its own key never blocks the event itself, should a corrected reader accept it later."""
    record = PaymentEventRecord(
        provider=provider,
        event_id=f"rejected:{refused.key}",
        type=refused.type[:60],
        state="rejected",
        payload={"reason": refused.reason, "event_id": refused.event_id},
        received_at=now,
    )
    if not uow.billing.record_event(record):
        return False
    details = {"provider": provider, "event": refused.event_id, "type": refused.type, "reason": refused.reason}
    audit.record(uow, now, None, "billing.event_rejected", f"webhook:{provider}", **details)
    return True


# -- one-time payments -----------------------------------------------------------------------------------------


def _paid(uow: UnitOfWork, event: PaymentEvent, now: datetime) -> Applied:
    order = order_named(uow, event)
    if order is None:
        return Applied("ignored")
    if order.kind == OfferKind.PLAN:  # a plan's credits come with its paid months only
        return _started(uow, event, now)
    _grant(uow, order, event, now)
    return Applied("applied", order.public_id)


def _failed(uow: UnitOfWork, event: PaymentEvent, now: datetime) -> Applied:
    order = order_named(uow, event)
    if order is None:
        return Applied("ignored")
    if order.status == OrderStatus.PENDING:
        set_fields(order, now, status=OrderStatus.FAILED)
    return Applied("applied", order.public_id)


# -- plans -----------------------------------------------------------------------------------------------------


def _started(uow: UnitOfWork, event: PaymentEvent, now: datetime) -> Applied:
    """A plan's checkout completed: link the order to its plan. Its first month comes with MONTH_PAID."""
    order = order_named(uow, event)
    if order is None or not event.subscription:
        return Applied("ignored")
    plan = _plan(uow, order, event, now)
    set_fields(order, now, plan_id=plan.id)
    return Applied("applied", order.public_id)


def _month_paid(uow: UnitOfWork, event: PaymentEvent, now: datetime) -> Applied:
    """One month of a plan was paid: the plan's first order takes it, or a new order is made for it."""
    # Lock first (the order that started the plan, then the plan), then look for this month: a report of the
    # same month committing meanwhile is seen once the lock is ours.
    first = order_named(uow, event)
    plan = uow.billing.plan_by_subscription(event.provider, event.subscription, lock=True)
    if found := uow.billing.order_by_grant(f"{event.provider}:{event.grant}"):
        _grant(uow, found, event, now)  # learns the payment's references if the first report lacked them
        return Applied("duplicate", found.public_id)
    if plan is None:
        if first is None:
            return Applied("ignored")  # neither the plan nor its checkout is ours
        plan = _new_plan(uow, first, event, now)
    if first is None or first.status not in UNPAID:  # a renewal: the month gets its own order
        first = uow.billing.add_order(
            new_order(
                plan.user_id,
                plan.offer_id,
                plan.offer_name,
                OfferKind.PLAN,
                plan.credits,
                event.amount or plan.amount,
                event.currency or plan.currency,
                plan.provider,
                now,
            )
        )
    set_fields(first, now, plan_id=plan.id)
    plan.months_paid += 1
    if event.period_end and (plan.period_end is None or event.period_end > plan.period_end):
        plan.period_end = event.period_end
    if plan.status == PlanStatus.ENDED:  # paid after it ended (a late renewal): the month is still owed
        plan.status = PlanStatus.ACTIVE
    _grant(uow, first, event, now)
    return Applied("applied", first.public_id)


def _plan_canceling(uow: UnitOfWork, event: PaymentEvent, now: datetime) -> Applied:
    return _planorder_status(uow, event, now, PlanStatus.CANCELING)


def _plan_ended(uow: UnitOfWork, event: PaymentEvent, now: datetime) -> Applied:
    return _planorder_status(uow, event, now, PlanStatus.ENDED)


def _planorder_status(uow: UnitOfWork, event: PaymentEvent, now: datetime, status: PlanStatus) -> Applied:
    plan = uow.billing.plan_by_subscription(event.provider, event.subscription, lock=True)
    if plan is None or plan.status == PlanStatus.ENDED:
        return Applied("ignored")
    plan.status = status
    if status == PlanStatus.ENDED:
        plan.ended_at = now
    if event.period_end:
        plan.period_end = event.period_end
    audit.record(uow, now, None, f"billing.plan_{status.value}", f"user:{plan.user_id}", plan=plan.public_id)
    return Applied("applied")


# -- shared steps ----------------------------------------------------------------------------------------------


def _grant(uow: UnitOfWork, order: Order, event: PaymentEvent, now: datetime) -> None:
    """Mark the order paid and grant its credits, once; then apply whatever waited for this payment.
    A second report of a paid order only fills in the payment's references if the first lacked them."""
    if order.status not in UNPAID or order.grant_ref:
        if order.payment_ref or not event.payment:
            return
        set_fields(order, now, payment_ref=event.payment, also_payment_ref=event.also_payment or None)
        _apply_waiting(uow, order, now, event)
        return
    set_fields(
        order,
        now,
        status=OrderStatus.PAID,
        grant_ref=f"{event.provider}:{event.grant}",
        payment_ref=event.payment or None,
        also_payment_ref=event.also_payment or None,
        checkout_ref=order.checkout_ref or event.checkout or None,
        paid_at=now,
        credits_granted=order.credits,
    )
    uow.flush()  # the grant_ref's uniqueness is checked here, before any credit moves
    what = ", one month" if order.kind == OfferKind.PLAN else ""
    reason = f"{order.offer_name}{what}"
    key, reference = f"order:{order.public_id}:grant", f"order {order.public_id}"
    ledger.grant(uow, order.user_id, order.credits, reason, key, reference, kind="purchase")
    audit.record(
        uow,
        now,
        None,
        "billing.granted",
        f"user:{order.user_id}",
        order=order.public_id,
        credits=order.credits,
        amount=order.amount,
        currency=order.currency,
        provider=order.provider,
        event=event.event_id or event.type or "confirmed by the server",
    )
    _apply_waiting(uow, order, now, event)


def _apply_waiting(uow: UnitOfWork, order: Order, now: datetime, event: PaymentEvent) -> None:
    """Refunds and disputes that reached us before this payment did, applied now, in the order received."""
    for waiting in uow.billing.waiting_events(order.provider, [order.payment_ref or "", order.also_payment_ref or ""]):
        try:
            earlier = _from_payload(waiting.payload)
        except (KeyError, TypeError, ValueError):  # kept before events were checked, and breaking their rules
            waiting.state = "rejected"  # a row of this session: written with the rest
            continue
        _HANDLERS[earlier.kind](uow, earlier, now)
        waiting.state, waiting.order_id = "applied", order.id
    settle_clawback(uow, order, now, event)


def _plan(uow: UnitOfWork, order: Order, event: PaymentEvent, now: datetime) -> Plan:
    """The plan of this subscription, made from the order that started it if new."""
    plan = uow.billing.plan_by_subscription(event.provider, event.subscription, lock=True)
    return plan if plan is not None else _new_plan(uow, order, event, now)


def _new_plan(uow: UnitOfWork, order: Order, event: PaymentEvent, now: datetime) -> Plan:
    plan = uow.billing.add_plan(
        Plan(
            public_id=new_public_id(),
            user_id=order.user_id,
            offer_id=order.offer_id,
            offer_name=order.offer_name,
            credits=order.credits,
            amount=order.amount,
            currency=order.currency,
            provider=order.provider,
            subscription_ref=event.subscription,
            status=PlanStatus.ACTIVE,
            period_end=event.period_end,
            created_at=now,
        )
    )
    audit.record(uow, now, None, "billing.plan_started", f"user:{order.user_id}", plan=plan.public_id)
    return plan


def _payload(event: PaymentEvent) -> dict[str, object]:
    data = dataclasses.asdict(event)
    data["kind"] = event.kind.value
    data["period_end"] = event.period_end.isoformat() if event.period_end else None
    return data


def _from_payload(payload: dict[str, object]) -> PaymentEvent:
    """A waiting event as it was received, without its id (already recorded)."""
    fields = {f.name for f in dataclasses.fields(PaymentEvent)}
    data: dict[str, Any] = {k: v for k, v in payload.items() if k in fields}
    data["kind"] = EventKind(str(data["kind"]))
    data["period_end"] = datetime.fromisoformat(str(data["period_end"])) if data.get("period_end") else None
    data["event_id"] = ""
    return PaymentEvent(**data)


def _ignored(uow: UnitOfWork, event: PaymentEvent, now: datetime) -> Applied:
    return Applied("ignored")


_HANDLERS = {
    EventKind.PAID: _paid,
    EventKind.FAILED: _failed,
    EventKind.STARTED: _started,
    EventKind.MONTH_PAID: _month_paid,
    EventKind.REFUNDED: refunded,
    EventKind.DISPUTE_OPENED: dispute_opened,
    EventKind.DISPUTE_CLOSED: dispute_closed,
    EventKind.PLAN_CANCELING: _plan_canceling,
    EventKind.PLAN_ENDED: _plan_ended,
    EventKind.IGNORED: _ignored,
}
