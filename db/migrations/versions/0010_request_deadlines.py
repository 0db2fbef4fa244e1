"""Privacy requests with deadlines: urgency, extensions and the due date shown to the user; exports an admin ran
for a user, stored until they download them.

Every request gets a due date: an open one received_at + 30 days (the default PRIVACY_RESPONSE_DAYS), a closed
self-service one its received_at (it was completed at once), any other closed one received_at + 30 days.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 05:00:00
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

String = sqlmodel.sql.sqltypes.AutoString
UTCDateTime = sqlmodel.sql.sqltypes.UTCDateTime
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}
RESPONSE = timedelta(days=30)
OPEN = ("received", "in_progress")

requests = sa.table(
    "privacy_requests",
    sa.column("id", sa.Integer()),
    sa.column("status", String()),
    sa.column("channel", String()),
    sa.column("received_at", UTCDateTime()),
    sa.column("due_at", UTCDateTime()),
)


def upgrade() -> None:
    op.add_column("privacy_requests", sa.Column("urgent", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("privacy_requests", sa.Column("first_due_at", UTCDateTime(), nullable=True))
    op.add_column("privacy_requests", sa.Column("extended_at", UTCDateTime(), nullable=True))
    op.add_column(
        "privacy_requests",
        sa.Column("extension_reason", String(length=300), nullable=False, server_default=""),
    )
    _fill_due_dates()
    op.create_index("ix_privacy_requests_status_due_at", "privacy_requests", ["status", "due_at"])
    op.create_table(
        "stored_exports",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("reference", String(length=32), nullable=False, unique=True),
        sa.Column("blob_key", String(length=200), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        **NEVER_REUSE_IDS,
    )
    op.create_index("ix_stored_exports_user_id_id", "stored_exports", ["user_id", "id"])
    op.create_index("ix_stored_exports_expires_at", "stored_exports", ["expires_at"])


def _fill_due_dates() -> None:
    conn = op.get_bind()
    query = sa.select(requests.c.id, requests.c.status, requests.c.channel, requests.c.received_at).where(
        requests.c.due_at.is_(None)
    )
    for row in conn.execute(query).all():
        done_at_once = row.status not in OPEN and row.channel == "self_service"
        due = row.received_at if done_at_once else row.received_at + RESPONSE
        conn.execute(sa.update(requests).where(requests.c.id == row.id).values(due_at=due))


def downgrade() -> None:
    op.drop_table("stored_exports")
    op.drop_index("ix_privacy_requests_status_due_at", table_name="privacy_requests")
    # An extended request was still open: it goes back to the statuses 0009 knew.
    op.execute("UPDATE privacy_requests SET status = 'in_progress' WHERE status = 'extended'")
    for column in ("extension_reason", "extended_at", "first_due_at", "urgent"):
        op.drop_column("privacy_requests", column)
