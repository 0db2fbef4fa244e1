"""Hardening: ids never reused, random public ids for media links, send attempts, lease owners, session versions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 03:30:00
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# SQLite reuses the largest rowid after a delete unless a table is declared AUTOINCREMENT,
# which needs the table rebuilt. PostgreSQL sequences never hand a value out twice.
NEVER_REUSE_IDS = ("users", "ledger_entries", "images")


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("generations") as batch_op:
        batch_op.add_column(sa.Column("send_attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column("lease_owner", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        )
    # A job already sent (it has a request id) counts as sent once, so it is never sent again.
    op.execute("UPDATE generations SET send_attempts = 1 WHERE provider_request_id IS NOT NULL")

    with op.batch_alter_table("images") as batch_op:
        batch_op.add_column(sa.Column("public_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
    images = sa.table("images", sa.column("id", sa.Integer()), sa.column("public_id", sa.String()))
    bind = op.get_bind()
    for (image_id,) in bind.execute(sa.select(images.c.id)).all():
        bind.execute(images.update().where(images.c.id == image_id).values(public_id=uuid.uuid4().hex))
    with op.batch_alter_table("images") as batch_op:
        batch_op.alter_column("public_id", existing_type=sa.String(length=32), nullable=False)
        batch_op.create_index("ix_images_public_id", ["public_id"], unique=True)

    if sqlite:
        for table in NEVER_REUSE_IDS:
            with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": True}):
                pass


def downgrade() -> None:
    with op.batch_alter_table("images") as batch_op:
        batch_op.drop_index("ix_images_public_id")
        batch_op.drop_column("public_id")
    with op.batch_alter_table("generations") as batch_op:
        batch_op.drop_column("lease_owner")
        batch_op.drop_column("send_attempts")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("session_version")
