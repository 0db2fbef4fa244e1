"""Orders, plans and payment events. Lookups that act on money lock the row they return."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, or_, select

from db.repositories.base import Repository
from db.repositories.inserts import insert_once
from db.tables import Order, PaymentEventRecord, Plan


class BillingRepository(Repository):
    # -- orders ----------------------------------------------------------------------------------------------

    def add_order(self, order: Order) -> Order:
        self.session.add(order)
        self.session.flush()
        return order

    def add_order_once(self, order: Order) -> bool:
        """Add the order unless its public id is taken (a second click with the same purchase token)."""
        return insert_once(self.session, order)

    def order(self, public_id: str, *, lock: bool = False) -> Order | None:
        """An order by its public id, locked until the transaction ends when `lock` (PostgreSQL; SQLite's
        write transactions are serial already), so two reports of one payment apply one after the other."""
        query = select(Order).where(Order.public_id == public_id)
        return self.session.exec(query.with_for_update() if lock else query).first()

    def user_order(self, user_id: int, public_id: str) -> Order | None:
        return self.session.exec(select(Order).where(Order.user_id == user_id, Order.public_id == public_id)).first()

    def order_by_checkout(self, provider: str, checkout_ref: str, *, lock: bool = False) -> Order | None:
        query = select(Order).where(Order.provider == provider, Order.checkout_ref == checkout_ref)
        return self.session.exec(query.with_for_update() if lock else query).first()

    def order_by_payment(self, provider: str, refs: Sequence[str], *, lock: bool = False) -> Order | None:
        refs = [r for r in refs if r]
        if not refs:
            return None
        query = select(Order).where(
            Order.provider == provider,
            or_(col(Order.payment_ref).in_(refs), col(Order.also_payment_ref).in_(refs)),
        )
        return self.session.exec(query.with_for_update() if lock else query).first()

    def order_by_grant(self, grant_ref: str) -> Order | None:
        return self.session.exec(select(Order).where(Order.grant_ref == grant_ref)).first()

    def open_checkout(self, user_id: int, offer_id: str, provider: str, since: datetime) -> Order | None:
        """The user's newest pending order for this offer and provider with a checkout page still to use."""
        query = (
            select(Order)
            .where(
                Order.user_id == user_id,
                Order.offer_id == offer_id,
                Order.provider == provider,
                Order.status == "pending",
                col(Order.checkout_url).is_not(None),
                col(Order.created_at) >= since,
            )
            .order_by(col(Order.id).desc())
        )
        return self.session.exec(query).first()

    def pending_checkouts(self, older_than: datetime, limit: int = 50) -> Sequence[Order]:
        """Pending orders with a provider checkout, started before `older_than`, oldest first."""
        query = (
            select(Order)
            .where(Order.status == "pending", col(Order.checkout_ref).is_not(None), col(Order.created_at) < older_than)
            .order_by(col(Order.id))
            .limit(limit)
        )
        return self.session.exec(query).all()

    def orders_page(self, user_id: int, before_id: int | None, limit: int) -> Sequence[Order]:
        query = select(Order).where(Order.user_id == user_id)
        if before_id is not None:
            query = query.where(col(Order.id) < before_id)
        return self.session.exec(query.order_by(col(Order.id).desc()).limit(limit)).all()

    def count_orders(self, user_id: int) -> int:
        return int(self.session.exec(select(func.count()).select_from(Order).where(Order.user_id == user_id)).one())

    # -- plans -----------------------------------------------------------------------------------------------

    def add_plan(self, plan: Plan) -> Plan:
        self.session.add(plan)
        self.session.flush()
        return plan

    def plan_by_subscription(self, provider: str, subscription_ref: str, *, lock: bool = False) -> Plan | None:
        query = select(Plan).where(Plan.provider == provider, Plan.subscription_ref == subscription_ref)
        return self.session.exec(query.with_for_update() if lock else query).first()

    def current_plan(self, user_id: int) -> Plan | None:
        """The user's newest plan that has not ended."""
        query = (
            select(Plan)
            .where(Plan.user_id == user_id, col(Plan.status).in_(("active", "canceling")))
            .order_by(col(Plan.id).desc())
        )
        return self.session.exec(query).first()

    def plans_due(self, provider: str, now: datetime, limit: int = 100) -> Sequence[Plan]:
        """Plans of `provider` whose paid month is over (the demo provider renews them itself)."""
        query = (
            select(Plan)
            .where(
                Plan.provider == provider, col(Plan.status).in_(("active", "canceling")), col(Plan.period_end) <= now
            )
            .order_by(col(Plan.id))
            .limit(limit)
        )
        return self.session.exec(query).all()

    # -- events ----------------------------------------------------------------------------------------------

    def record_event(self, record: PaymentEventRecord) -> bool:
        """Keep the event once; False if this provider's event id was already received (see `insert_once`)."""
        return insert_once(self.session, record)

    def waiting_events(self, provider: str, refs: Sequence[str]) -> Sequence[PaymentEventRecord]:
        refs = [r for r in refs if r]
        if not refs:
            return []
        query = (
            select(PaymentEventRecord)
            .where(
                PaymentEventRecord.provider == provider,
                PaymentEventRecord.state == "waiting",
                col(PaymentEventRecord.payment_ref).in_(refs),
            )
            .order_by(col(PaymentEventRecord.id))
        )
        return self.session.exec(query).all()

    def events(self, provider: str | None = None) -> Sequence[PaymentEventRecord]:
        query = select(PaymentEventRecord)
        if provider:
            query = query.where(PaymentEventRecord.provider == provider)
        return self.session.exec(query.order_by(col(PaymentEventRecord.id))).all()
