"""Billing: orders, monthly plans and the payment events received from Stripe and Creem.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 09:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

String = sqlmodel.sql.sqltypes.AutoString
UTCDateTime = sqlmodel.sql.sqltypes.UTCDateTime
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("public_id", String(length=32), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("offer_id", String(length=40), nullable=False),
        sa.Column("offer_name", String(length=100), nullable=False),
        sa.Column("credits", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("currency", String(length=3), nullable=False),
        sa.Column("provider", String(length=10), nullable=False),
        sa.Column("subscription_ref", String(length=200), nullable=False),
        sa.Column("status", String(length=20), nullable=False),
        sa.Column("period_end", UTCDateTime(), nullable=True),
        sa.Column("months_paid", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("provider", "subscription_ref", name="uq_plans_provider_subscription"),
        **NEVER_REUSE_IDS,
    )
    op.create_index("ix_plans_user_id_id", "plans", ["user_id", "id"])
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("public_id", String(length=32), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("offer_id", String(length=40), nullable=False),
        sa.Column("offer_name", String(length=100), nullable=False),
        sa.Column("kind", String(length=10), nullable=False),
        sa.Column("credits", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("currency", String(length=3), nullable=False),
        sa.Column("provider", String(length=10), nullable=False),
        sa.Column("status", String(length=20), nullable=False),
        sa.Column("checkout_ref", String(length=200), nullable=True),
        sa.Column("checkout_url", String(length=1000), nullable=True),
        sa.Column("grant_ref", String(length=200), nullable=True, unique=True),
        sa.Column("payment_ref", String(length=200), nullable=True),
        sa.Column("also_payment_ref", String(length=200), nullable=True),
        sa.Column("plan_id", sa.Integer(), sa.ForeignKey("plans.id"), nullable=True),
        sa.Column("amount_refunded", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("dispute_amount", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("dispute_status", String(length=10), nullable=False, server_default=""),
        sa.Column("credits_granted", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("credits_clawed_back", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("adjustments", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("paid_at", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        **NEVER_REUSE_IDS,
    )
    op.create_index("ix_orders_user_id_id", "orders", ["user_id", "id"])
    op.create_index("ix_orders_provider_checkout", "orders", ["provider", "checkout_ref"])
    op.create_index("ix_orders_provider_payment", "orders", ["provider", "payment_ref"])
    op.create_index("ix_orders_provider_also_payment", "orders", ["provider", "also_payment_ref"])
    op.create_table(
        "payment_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("provider", String(length=10), nullable=False),
        sa.Column("event_id", String(length=200), nullable=False),
        sa.Column("type", String(length=60), nullable=False),
        sa.Column("state", String(length=10), nullable=False),
        sa.Column("payment_ref", String(length=200), nullable=False, server_default=""),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("provider", "event_id", name="uq_payment_events_provider_event"),
        **NEVER_REUSE_IDS,
    )
    op.create_index("ix_payment_events_waiting", "payment_events", ["provider", "state", "payment_ref"])


def downgrade() -> None:
    op.drop_index("ix_payment_events_waiting", table_name="payment_events")
    op.drop_table("payment_events")
    for name in ("ix_orders_provider_also_payment", "ix_orders_provider_payment", "ix_orders_provider_checkout"):
        op.drop_index(name, table_name="orders")
    op.drop_index("ix_orders_user_id_id", table_name="orders")
    op.drop_table("orders")
    op.drop_index("ix_plans_user_id_id", table_name="plans")
    op.drop_table("plans")
