"""The prompt lab: templates and versions, experiments, axes, cells, ratings and presets; jobs say their origin.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 23:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

String = sqlmodel.sql.sqltypes.AutoString
UTCDateTime = sqlmodel.sql.sqltypes.UTCDateTime
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), primary_key=True)


def _user() -> sa.Column[int]:
    return sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False)


def upgrade() -> None:
    with op.batch_alter_table("generations") as batch:
        batch.add_column(sa.Column("origin", String(length=10), nullable=False, server_default="studio"))
        batch.add_column(sa.Column("preset_id", sa.Integer(), nullable=True))
    op.create_table(
        "lab_templates",
        _id(),
        _user(),
        sa.Column("name", String(length=120), nullable=False, unique=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        **NEVER_REUSE_IDS,
    )
    op.create_table(
        "lab_template_versions",
        _id(),
        sa.Column("template_id", sa.Integer(), sa.ForeignKey("lab_templates.id", ondelete="CASCADE"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _user(),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("template_id", "version"),
        **NEVER_REUSE_IDS,
    )
    op.create_table(
        "lab_experiments",
        _id(),
        _user(),
        sa.Column("version_id", sa.Integer(), sa.ForeignKey("lab_template_versions.id"), nullable=False),
        sa.Column("name", String(length=120), nullable=False),
        sa.Column("model", String(length=100), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("variables", sa.JSON(), nullable=False),
        sa.Column("rerun_of", sa.Integer(), nullable=True),
        sa.Column("changed_axis", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("canceled_at", UTCDateTime(), nullable=True),
        **NEVER_REUSE_IDS,
    )
    op.create_table(
        "lab_axes",
        sa.Column(
            "experiment_id", sa.Integer(), sa.ForeignKey("lab_experiments.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", String(length=20), nullable=False),
        sa.Column("name", String(length=60), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("experiment_id", "position"),
    )
    op.create_table(
        "lab_cells",
        _id(),
        sa.Column(
            "experiment_id", sa.Integer(), sa.ForeignKey("lab_experiments.id", ondelete="CASCADE"), nullable=False
        ),
        _user(),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("col", sa.Integer(), nullable=False),
        sa.Column("generation_id", String(length=64), nullable=False, unique=True),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("model", String(length=100), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("cost", sa.Integer(), nullable=False),
        sa.Column("winner", sa.Boolean(), nullable=False),
        **NEVER_REUSE_IDS,
    )
    op.create_table(
        "lab_ratings",
        _id(),
        sa.Column(
            "cell_id", sa.Integer(), sa.ForeignKey("lab_cells.id", ondelete="CASCADE"), nullable=False, unique=True
        ),
        _user(),
        sa.Column("thumbs", String(length=4), nullable=False),
        sa.Column("stars", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        **NEVER_REUSE_IDS,
    )
    op.create_table(
        "lab_presets",
        _id(),
        _user(),
        sa.Column("name", String(length=60), nullable=False, unique=True),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("model", String(length=100), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("preview", sa.LargeBinary(), nullable=False),
        sa.Column("status", String(length=12), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("source_cell_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        **NEVER_REUSE_IDS,
    )
    for table in (
        "lab_templates",
        "lab_template_versions",
        "lab_experiments",
        "lab_cells",
        "lab_ratings",
        "lab_presets",
    ):
        op.create_index(f"ix_{table}_user_id", table, ["user_id"])
    op.create_index("ix_lab_template_versions_template_id", "lab_template_versions", ["template_id"])
    op.create_index("ix_lab_experiments_version_id", "lab_experiments", ["version_id"])
    op.create_index("ix_lab_experiments_rerun_of", "lab_experiments", ["rerun_of"])
    op.create_index(
        "ix_lab_cells_experiment_id_place", "lab_cells", ["experiment_id", "page", "row", "col"], unique=True
    )


def downgrade() -> None:
    for table in ("lab_presets", "lab_ratings", "lab_cells", "lab_axes", "lab_experiments"):
        op.drop_table(table)
    op.drop_table("lab_template_versions")
    op.drop_table("lab_templates")
    with op.batch_alter_table("generations") as batch:
        batch.drop_column("preset_id")
        batch.drop_column("origin")
