"""Money going back: refunds and disputes hold back credits in proportion to the money returned, capped at
what the order granted; `settle_clawback` works from the order's totals, so events may come in any order (a
refund that arrives before its payment waits, and is applied when the payment is).

Money reported back is never more than the order was paid. A larger refund or dispute is capped at the
order's amount (and the cap audited), not refused: the report is signed and money did go back, so refusing it
would leave the credits in place while the provider retried for days; the order's amount is all our books
know was paid (a provider's total may add tax), and a clawback can never exceed what the order granted. A
negative amount cannot reach here: a PaymentEvent refuses one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from core.domain.billing import DisputeStatus, PaymentEvent
from core.services import audit, ledger
from core.services.payment_orders import Applied, order_named, order_status, set_fields
from db.tables import Order
from db.uow import UnitOfWork


def refunded(uow: UnitOfWork, event: PaymentEvent, now: datetime) -> Applied:
    def record(order: Order) -> None:
        total = _capped(uow, order, event, now, event.refunded)
        set_fields(order, now, amount_refunded=max(order.amount_refunded, total))

    return _money_back(uow, event, now, record)


def dispute_opened(uow: UnitOfWork, event: PaymentEvent, now: datetime) -> Applied:
    def opened(order: Order) -> None:
        if order.dispute_status in ("", DisputeStatus.OPEN):  # a closed dispute's outcome stands
            amount = _capped(uow, order, event, now, event.amount or order.amount)
            set_fields(order, now, dispute_status=DisputeStatus.OPEN, dispute_amount=amount)

    return _money_back(uow, event, now, opened)


def dispute_closed(uow: UnitOfWork, event: PaymentEvent, now: datetime) -> Applied:
    def closed(order: Order) -> None:
        status = DisputeStatus.WON if event.dispute_won else DisputeStatus.LOST
        amount = _capped(uow, order, event, now, event.amount or order.dispute_amount or order.amount)
        set_fields(order, now, dispute_status=status, dispute_amount=amount)

    return _money_back(uow, event, now, closed)


def _capped(uow: UnitOfWork, order: Order, event: PaymentEvent, now: datetime, reported: int) -> int:
    """Money back as the order can have it: at most its amount (see the module's note); a cap is audited."""
    if reported <= order.amount:
        return reported
    audit.record(
        uow,
        now,
        None,
        "billing.amount_capped",
        f"user:{order.user_id}",
        order=order.public_id,
        provider=order.provider,
        event=event.event_id or event.type,
        reported=reported,
        capped_at=order.amount,
    )
    return order.amount


def _money_back(uow: UnitOfWork, event: PaymentEvent, now: datetime, change: Callable[[Order], None]) -> Applied:
    """Find the payment the money came from. By its references first: a plan's refund names the order that
    started the plan, but the month refunded may be another. The named order itself only while it is
    unpaid (the refund came first). Otherwise the event waits for its payment."""
    order = uow.billing.order_by_payment(event.provider, [event.payment, event.also_payment], lock=True)
    if order is None and (named := order_named(uow, event)) is not None and not named.grant_ref:
        order = named
    if order is None:
        return Applied("waiting")  # its payment has not reached us yet: applied when it does
    change(order)
    settle_clawback(uow, order, now, event)
    return Applied("applied", order.public_id)


def settle_clawback(uow: UnitOfWork, order: Order, now: datetime, event: PaymentEvent) -> None:
    """Make the credits held back match the money returned: in proportion, rounded up, capped at the grant.
    A won dispute lowers the target, so the difference is given back."""
    returned = max(order.amount_refunded, 0)  # rows written before amounts were checked may hold anything
    if order.dispute_status in (DisputeStatus.OPEN, DisputeStatus.LOST):
        returned += max(order.dispute_amount, 0)
    returned = min(returned, order.amount)
    granted = order.credits_granted
    target = -(-granted * returned // order.amount) if order.amount > 0 else 0
    change = target - order.credits_clawed_back
    if change:
        order.adjustments += 1
        key = f"order:{order.public_id}:adjustment:{order.adjustments}"
        reference = f"order {order.public_id}"
        if change > 0:
            why = "dispute" if order.dispute_status in (DisputeStatus.OPEN, DisputeStatus.LOST) else "refund"
            reason = f"{order.offer_name} was {_returned(why, order)}"
            ledger.claw_back(uow, order.user_id, change, reason, key, reference)
        else:
            reason = f"The dispute over {order.offer_name} was won"
            ledger.grant(uow, order.user_id, -change, reason, key, reference, kind="reinstate")
        audit.record(
            uow,
            now,
            None,
            "billing.clawback" if change > 0 else "billing.reinstated",
            f"user:{order.user_id}",
            order=order.public_id,
            credits=-change,
            provider=order.provider,
            event=event.event_id or event.type,
        )
    set_fields(order, now, credits_clawed_back=target, status=order_status(order))


def _returned(why: str, order: Order) -> str:
    if why == "dispute":
        return "disputed with the bank"
    return "refunded" if order.amount_refunded >= order.amount else "partly refunded"
