"""Policy versions: publications of the documents in assets/policies and users' acknowledgements.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

String = sqlmodel.sql.sqltypes.AutoString
UTCDateTime = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "policy_publications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("document", String(length=40), nullable=False),
        sa.Column("version", String(length=20), nullable=False),
        sa.Column("announced_at", UTCDateTime(), nullable=False),
        sa.Column("effective_at", UTCDateTime(), nullable=False),
        sa.Column("material", sa.Boolean(), nullable=False),
        sa.Column("published_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("announced_to", sa.Integer(), nullable=False),
        sa.Column("announcement_done_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("document", "version", name="uq_policy_publications_document_version"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_policy_publications_document_effective_at", "policy_publications", ["document", "effective_at"])
    op.create_table(
        "policy_acknowledgements",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("document", String(length=40), nullable=False),
        sa.Column("version", String(length=20), nullable=False),
        sa.Column("acknowledged_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("user_id", "document", "version", name="uq_policy_acknowledgements_user_document_version"),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("policy_acknowledgements")
    op.drop_table("policy_publications")
