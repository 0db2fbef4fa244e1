"""Task runs: one row per periodic task with the last period a worker claimed it for (each runs once per period
across the fleet).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 12:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

String = sqlmodel.sql.sqltypes.AutoString
UTCDateTime = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "task_runs",
        sa.Column("name", String(length=100), primary_key=True),
        sa.Column("period", sa.BigInteger(), nullable=False),
        sa.Column("owner", String(length=64), nullable=False),
        sa.Column("claimed_at", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("runs", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("task_runs")
