"""Accounts: identity by (issuer, subject), sign-ins, preferences, roles' audit log, ledger actors.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

String = sqlmodel.sql.sqltypes.AutoString
UTC = sqlmodel.sql.sqltypes.UTCDateTime

# The audit log is append-only in the database itself, whatever code runs against it.
APPEND_ONLY = {
    "sqlite": [
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$",
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
        "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
    ],
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("users", table_kwargs=_autoincrement(dialect)) as batch_op:
        batch_op.add_column(sa.Column("issuer", String(length=300), nullable=False, server_default="local"))
        batch_op.add_column(sa.Column("subject", String(length=300), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("email_verified", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("provider_name", String(length=200), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("avatar_url", String(length=1000), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("last_sign_in_at", UTC(), nullable=True))
        # The email is no longer who someone is; two providers may vouch for the same address.
        batch_op.drop_index("ix_users_email")
        batch_op.create_index("ix_users_email", ["email"], unique=False)
    # Accounts made by local sign-in keep their identity: the local "provider" vouched for the address.
    op.execute("UPDATE users SET subject = email, email_verified = true WHERE subject = ''")
    with op.batch_alter_table("users", table_kwargs=_autoincrement(dialect)) as batch_op:
        batch_op.create_unique_constraint("uq_users_issuer_subject", ["issuer", "subject"])
        # The defaults only served the backfill: from now on every account must name its identity.
        batch_op.alter_column("issuer", existing_type=String(length=300), server_default=None)
        batch_op.alter_column("subject", existing_type=String(length=300), server_default=None)

    with op.batch_alter_table("ledger_entries", table_kwargs=_autoincrement(dialect)) as batch_op:
        batch_op.add_column(sa.Column("actor_id", sa.Integer(), nullable=True))

    op.create_table(
        "sign_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("session_key", String(length=64), nullable=False),
        sa.Column("session_version", sa.Integer(), nullable=False),
        sa.Column("issued_at", UTC(), nullable=False),
        sa.Column("ip_prefix", String(length=50), nullable=False),
        sa.Column("browser", String(length=60), nullable=False),
        sa.Column("os", String(length=60), nullable=False),
        sa.Column("ended_at", UTC(), nullable=True),
        sa.Column("created_at", UTC(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_key"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_sign_ins_user_id_created_at", "sign_ins", ["user_id", "created_at"])
    op.create_index("ix_sign_ins_created_at", "sign_ins", ["created_at"])

    op.create_table(
        "user_preferences",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("model", String(length=100), nullable=False),
        sa.Column("aspect_ratio", String(length=10), nullable=False),
        sa.Column("output_format", String(length=10), nullable=False),
        sa.Column("num_images", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTC(), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", String(length=60), nullable=False),
        sa.Column("subject", String(length=100), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_audit_log_actor_id_id", "audit_log", ["actor_id", "id"])
    op.create_index("ix_audit_log_action_id", "audit_log", ["action", "id"])
    op.create_index("ix_audit_log_created_at", "audit_log", ["created_at"])
    for statement in APPEND_ONLY.get(dialect, []):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP FUNCTION audit_log_append_only() CASCADE")
    op.drop_table("audit_log")
    op.drop_table("user_preferences")
    op.drop_table("sign_ins")
    with op.batch_alter_table("ledger_entries", table_kwargs=_autoincrement(dialect)) as batch_op:
        batch_op.drop_column("actor_id")
    with op.batch_alter_table("users", table_kwargs=_autoincrement(dialect)) as batch_op:
        batch_op.drop_constraint("uq_users_issuer_subject", type_="unique")
        batch_op.drop_index("ix_users_email")
        batch_op.create_index("ix_users_email", ["email"], unique=True)
        for column in ("last_sign_in_at", "avatar_url", "provider_name", "email_verified", "subject", "issuer"):
            batch_op.drop_column(column)


def _autoincrement(dialect: str) -> dict[str, bool]:
    """A batch rebuild on SQLite must keep AUTOINCREMENT (migration 0002), or ids could be reused."""
    return {"sqlite_autoincrement": True} if dialect == "sqlite" else {}
