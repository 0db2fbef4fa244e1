"""Shared by the billing tests: the money invariants, and orders set up without a provider round trip."""

from __future__ import annotations

from sqlmodel import select

from core.bootstrap import Container
from core.clock import utc_now
from core.domain import UserView
from core.domain.billing import OrderView, PaymentEvent
from core.services import fulfilment
from db.tables import LedgerEntry, Order
from tests.fal_support import assert_money_balances


def apply(c: Container, event: PaymentEvent) -> str:
    """One event through the one fulfilment function, in its own unit of work, as a webhook would."""
    with c.db.uow() as uow:
        applied = fulfilment.apply(uow, event, c.billing.clock())
        uow.commit()
    return applied.outcome


def assert_billing_balances(c: Container, user: UserView) -> None:
    """The ledger invariants, and the billing ones: each order's credits appear in the ledger exactly as the
    order says (one purchase row if paid, clawbacks net of reinstatements), capped at what it granted, and the
    balance goes below zero only by clawbacks."""
    assert_money_balances(c, user)
    with c.db.reader() as uow:
        orders = uow.session.exec(select(Order).where(Order.user_id == user.id)).all()
        entries = uow.session.exec(select(LedgerEntry).where(LedgerEntry.user_id == user.id)).all()
    for order in orders:
        mine = [e for e in entries if e.reference == f"order {order.public_id}"]
        grants = [e for e in mine if e.kind == "purchase"]
        assert sum(e.delta for e in grants) == order.credits_granted, (order.public_id, grants)
        assert len(grants) == (1 if order.grant_ref else 0)
        held_back = -sum(e.delta for e in mine if e.kind in ("clawback", "reinstate"))
        assert held_back == order.credits_clawed_back
        assert 0 <= order.credits_clawed_back <= order.credits_granted
    running = 0
    for entry in sorted(entries, key=lambda e: e.id or 0):
        running += entry.delta
        if entry.delta < 0 and running < 0:
            assert entry.kind == "clawback", entry  # nothing else may take the balance below zero


def pending_order(
    c: Container, user: UserView, provider: str, offer_id: str = "pack-starter", checkout: str = ""
) -> str:
    """An order as `BillingService.buy` leaves it once the provider opened a checkout; its public id."""
    offer = c.billing.offer(offer_id, "demo")  # demo sells every offer; the order is made out to `provider`
    with c.db.uow() as uow:
        order = fulfilment.new_order(
            user.id, offer.id, offer.name, offer.kind, offer.credits, offer.amount, offer.currency, provider, utc_now()
        )
        order.checkout_ref = checkout or None
        uow.billing.add_order(order)
        uow.commit()
    return order.public_id


def order_row(c: Container, public_id: str) -> Order:
    with c.db.reader() as uow:
        found = uow.billing.order(public_id)
    assert found is not None
    return found


def only_order(c: Container, user: UserView) -> OrderView:
    items = c.billing.orders(user).items
    assert len(items) == 1, items
    return items[0]
