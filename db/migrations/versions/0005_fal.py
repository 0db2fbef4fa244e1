"""fal.ai: each job's model inputs, its safety blocks, retries and timings, and the images it started from.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

String = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table("generations") as batch_op:
        batch_op.add_column(sa.Column("options", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
        batch_op.add_column(sa.Column("blocked", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("send_failures", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("engine_errors", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("timings", sa.JSON(), nullable=True))
    op.create_table(
        "generation_inputs",
        sa.Column("generation_id", String(length=64), sa.ForeignKey("generations.id"), primary_key=True),
        sa.Column("position", sa.Integer(), primary_key=True),
        sa.Column("image_id", sa.Integer(), nullable=False),
    )
    op.create_index("ix_generation_inputs_image_id", "generation_inputs", ["image_id"])
    # Every earlier edit started from one image, its parent.
    op.execute(
        "INSERT INTO generation_inputs (generation_id, position, image_id) "
        "SELECT id, 0, parent_image_id FROM generations WHERE parent_image_id IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_index("ix_generation_inputs_image_id", table_name="generation_inputs")
    op.drop_table("generation_inputs")
    with op.batch_alter_table("generations") as batch_op:
        batch_op.drop_column("timings")
        batch_op.drop_column("engine_errors")
        batch_op.drop_column("send_failures")
        batch_op.drop_column("blocked")
        batch_op.drop_column("options")
