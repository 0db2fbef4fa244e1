"""Studio: a larger preview per image and its own seed, edits without an aspect ratio, sign-in cookie hand-off.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

String = sqlmodel.sql.sqltypes.AutoString
UTC = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("images") as batch_op:
        batch_op.add_column(sa.Column("preview_key", String(length=200), nullable=True))
        batch_op.add_column(sa.Column("seed", sa.Integer(), nullable=True))
    # Earlier images of a batch were made with the job's seed plus their position (the offline
    # engine's rule, the only engine so far), so their own seed can be recorded truthfully.
    op.execute(
        "UPDATE images SET seed = (SELECT g.seed + images.position FROM generations g "
        "WHERE g.id = images.generation_id AND g.kind = 'text_to_image') WHERE generation_id IS NOT NULL"
    )
    # An edit keeps its source's size, so the aspect ratio it recorded was only ever a guess.
    op.execute("UPDATE generations SET aspect_ratio = '' WHERE kind = 'edit'")
    with op.batch_alter_table("sign_ins") as batch_op:
        batch_op.add_column(sa.Column("handoff_digest", String(length=64), nullable=True))
        batch_op.add_column(sa.Column("handoff_until", UTC(), nullable=True))
        batch_op.create_index("ix_sign_ins_handoff_digest", ["handoff_digest"])


def downgrade() -> None:
    with op.batch_alter_table("sign_ins") as batch_op:
        batch_op.drop_index("ix_sign_ins_handoff_digest")
        batch_op.drop_column("handoff_until")
        batch_op.drop_column("handoff_digest")
    with op.batch_alter_table("images") as batch_op:
        batch_op.drop_column("seed")
        batch_op.drop_column("preview_key")
