"""Shares: public links to single images, opt-in and revocable.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 15:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

String = sqlmodel.sql.sqltypes.AutoString
UTCDateTime = sqlmodel.sql.sqltypes.UTCDateTime
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}


def upgrade() -> None:
    op.create_table(
        "shares",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        # The image's deletion takes its shares with it: the link answers 404 in the same transaction.
        sa.Column("image_id", sa.Integer(), sa.ForeignKey("images.id", ondelete="CASCADE"), nullable=False),
        sa.Column("token", String(length=64), nullable=False),
        sa.Column("with_prompt", sa.Boolean(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        **NEVER_REUSE_IDS,
    )
    op.create_index("ix_shares_token", "shares", ["token"], unique=True)
    op.create_index("ix_shares_user_id_id", "shares", ["user_id", "id"])
    op.create_index("ix_shares_image_id", "shares", ["image_id"])


def downgrade() -> None:
    op.drop_index("ix_shares_image_id", table_name="shares")
    op.drop_index("ix_shares_user_id_id", table_name="shares")
    op.drop_index("ix_shares_token", table_name="shares")
    op.drop_table("shares")
