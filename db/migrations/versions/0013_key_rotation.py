"""Key rotations: one row per pass of the rotation that moves every stored blob under the current encryption key.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

String = sqlmodel.sql.sqltypes.AutoString
UTCDateTime = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "key_rotations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("current_key", String(length=64), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("already", sa.Integer(), nullable=False),
        sa.Column("rewrapped", sa.Integer(), nullable=False),
        sa.Column("encrypted", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("key_rotations")
