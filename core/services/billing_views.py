"""Billing as pages see it: an order, a plan, and the lines of a receipt."""

from __future__ import annotations

from core.domain.billing import DisputeStatus, OfferKind, OrderStatus, OrderView, PlanStatus, PlanView, format_money
from db.tables import Order, Plan


def order_view(order: Order) -> OrderView:
    assert order.id is not None
    return OrderView(
        id=order.id,
        public_id=order.public_id,
        created_at=order.created_at,
        offer_name=order.offer_name,
        kind=OfferKind(order.kind),
        amount=order.amount,
        currency=order.currency,
        provider=order.provider,
        status=OrderStatus(order.status),
        credits=order.credits,
        credits_granted=order.credits_granted,
        credits_clawed_back=order.credits_clawed_back,
        amount_refunded=order.amount_refunded,
        dispute=DisputeStatus(order.dispute_status),
        paid_at=order.paid_at,
        reference=order.grant_ref.split(":", 1)[1] if order.grant_ref else (order.checkout_ref or ""),
    )


def plan_view(plan: Plan) -> PlanView:
    return PlanView(
        public_id=plan.public_id,
        offer_name=plan.offer_name,
        credits=plan.credits,
        amount=plan.amount,
        currency=plan.currency,
        provider=plan.provider,
        status=PlanStatus(plan.status),
        period_end=plan.period_end,
    )


def receipt_lines(order: OrderView) -> list[tuple[str, str]]:
    lines = [
        ("Order", order.public_id.upper()),
        ("Date (UTC)", f"{order.created_at:%Y-%m-%d %H:%M}"),
        ("Item", order.offer_name + (" (one month)" if order.kind == OfferKind.PLAN else "")),
        ("Credits", f"{order.credits:,}"),
        ("Amount", order.price),
        ("Paid with", order.provider_label),
        ("Status", order.status_label),
    ]
    if order.paid_at:
        lines.append(("Paid (UTC)", f"{order.paid_at:%Y-%m-%d %H:%M}"))
    if order.amount_refunded:
        lines.append(("Refunded", format_money(order.amount_refunded, order.currency)))
    if order.credits_clawed_back:
        lines.append(("Credits taken back", f"{order.credits_clawed_back:,}"))
    if order.reference:
        lines.append(("Payment reference", order.reference))
    return lines
