"""Billing: orders (one per payment), plans (subscriptions), and every provider event we received.

Money is stored in the currency's minor unit. No card data, names or emails: only the
providers' references, which is what a receipt, a refund or a support request needs.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.tables.base import NEVER_REUSE_IDS, utcnow


class Order(SQLModel, table=True):
    """One payment: a pack bought, or one month of a plan. Created pending when a checkout starts
    (a plan's renewals are created paid, when the provider says the month was paid)."""

    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_user_id_id", "user_id", "id"),
        Index("ix_orders_provider_checkout", "provider", "checkout_ref"),
        Index("ix_orders_provider_payment", "provider", "payment_ref"),
        Index("ix_orders_provider_also_payment", "provider", "also_payment_ref"),
        NEVER_REUSE_IDS,
    )

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=32, unique=True)  # sent to the provider; on the receipt
    user_id: int = Field(foreign_key="users.id")
    offer_id: str = Field(max_length=40)
    offer_name: str = Field(max_length=100)  # as sold: the catalogue may change later
    kind: str = Field(max_length=10)  # pack | plan
    credits: int
    amount: int
    currency: str = Field(max_length=3)
    provider: str = Field(max_length=10)
    status: str = Field(max_length=20)
    checkout_ref: str | None = Field(default=None, max_length=200)
    checkout_url: str | None = Field(default=None, max_length=1000)  # reopened instead of a second checkout
    # The payment's own business key ("stripe:cs_…", "stripe:in_…", "creem:ord_…"): unique, so one
    # payment can never become two paid orders, whichever event or page reports it.
    grant_ref: str | None = Field(default=None, max_length=200, unique=True)
    payment_ref: str | None = Field(default=None, max_length=200)  # what refunds and disputes name
    also_payment_ref: str | None = Field(default=None, max_length=200)
    plan_id: int | None = Field(default=None, foreign_key="plans.id")
    amount_refunded: int = 0  # cumulative
    dispute_amount: int = 0
    dispute_status: str = Field(default="", max_length=10)  # "" | open | won | lost
    credits_granted: int = 0
    credits_clawed_back: int = 0  # what refunds and disputes currently hold back
    adjustments: int = 0  # how many clawback or reinstatement rows the ledger has for this order
    created_at: datetime = Field(default_factory=utcnow)
    paid_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class Plan(SQLModel, table=True):
    """A monthly plan (a subscription at the provider): its credits come with each paid month."""

    __tablename__ = "plans"
    __table_args__ = (
        UniqueConstraint("provider", "subscription_ref", name="uq_plans_provider_subscription"),
        Index("ix_plans_user_id_id", "user_id", "id"),
        NEVER_REUSE_IDS,
    )

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=32, unique=True)
    user_id: int = Field(foreign_key="users.id")
    offer_id: str = Field(max_length=40)
    offer_name: str = Field(max_length=100)
    credits: int
    amount: int
    currency: str = Field(max_length=3)
    provider: str = Field(max_length=10)
    subscription_ref: str = Field(max_length=200)
    status: str = Field(max_length=20)  # active | canceling | ended
    period_end: datetime | None = None
    months_paid: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    ended_at: datetime | None = None


class PaymentEventRecord(SQLModel, table=True):
    """Every signed event we accepted, once per provider and event id: replays are answered without
    acting again. A refund or dispute for a payment we do not know yet waits here (state "waiting")
    and is applied when that payment arrives."""

    __tablename__ = "payment_events"
    __table_args__ = (
        UniqueConstraint("provider", "event_id", name="uq_payment_events_provider_event"),
        Index("ix_payment_events_waiting", "provider", "state", "payment_ref"),
        NEVER_REUSE_IDS,
    )

    id: int | None = Field(default=None, primary_key=True)
    provider: str = Field(max_length=10)
    event_id: str = Field(max_length=200)
    type: str = Field(max_length=60)
    state: str = Field(max_length=10)  # applied | waiting | ignored
    payment_ref: str = Field(default="", max_length=200)
    order_id: int | None = None  # the order it acted on, once known
    payload: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    received_at: datetime = Field(default_factory=utcnow)
