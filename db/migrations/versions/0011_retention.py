"""The retention sweep: its runs with counts per rule, the orphaned blobs it waits to confirm, and the cause of
each erasure (asked for, an inactive account, or staff acting on a request).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

String = sqlmodel.sql.sqltypes.AutoString
UTCDateTime = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "retention_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("trigger", String(length=10), nullable=False),
        sa.Column("actor_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("status", String(length=20), nullable=False),
        sa.Column("error", String(length=200), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_retention_runs_status_id", "retention_runs", ["status", "id"])
    op.create_table(
        "retention_orphans",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("store", String(length=20), nullable=False),
        sa.Column("key", String(length=300), nullable=False),
        sa.Column("first_seen_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("store", "key", name="uq_retention_orphans_store_key"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("erasures") as batch:
        batch.add_column(sa.Column("cause", String(length=20), nullable=False, server_default="requested"))


def downgrade() -> None:
    with op.batch_alter_table("erasures") as batch:
        batch.drop_column("cause")
    op.drop_table("retention_orphans")
    op.drop_table("retention_runs")
