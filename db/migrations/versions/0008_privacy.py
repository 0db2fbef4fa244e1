"""Privacy: consent records, privacy requests, erasures and their receipts, the outbox of deletions owed to
other systems, and images withheld by the safety check awaiting a person's review.

The audit log stays append-only, with one exception an erasure needs: a row may have its actor and its
subject pseudonymised (actor_id cleared, a "user:<id>" subject made "user:erased"); nothing else about it
may change, and no row may be deleted.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

String = sqlmodel.sql.sqltypes.AutoString
UTCDateTime = sqlmodel.sql.sqltypes.UTCDateTime
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}
ERASED_SUBJECT = "user:erased"

SQLITE_AUDIT = [
    "DROP TRIGGER audit_log_no_update",
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "WHEN NOT (new.id = old.id AND new.action = old.action AND new.details = old.details "
    "AND new.created_at = old.created_at "
    "AND (new.actor_id IS old.actor_id OR new.actor_id IS NULL) "
    f"AND (new.subject = old.subject OR new.subject = '{ERASED_SUBJECT}')) "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
]
POSTGRES_AUDIT = [
    "DROP TRIGGER audit_log_append_only ON audit_log",
    "CREATE FUNCTION audit_log_pseudonymise_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF TG_OP = 'UPDATE' AND new.id = old.id AND new.action = old.action AND new.details = old.details "
    "AND new.created_at = old.created_at "
    "AND (new.actor_id IS NOT DISTINCT FROM old.actor_id OR new.actor_id IS NULL) "
    f"AND (new.subject = old.subject OR new.subject = '{ERASED_SUBJECT}') THEN RETURN new; END IF; "
    "RAISE EXCEPTION 'the audit log is append-only'; END $$",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_pseudonymise_only()",
]
# A job whose images are all deleted (or whose account is being erased) leaves the search index: its prompt must
# no longer be findable. SQLite: a trigger deletes its FTS5 row; PostgreSQL: the generated column is empty.
SQLITE_SEARCH = [
    "CREATE TRIGGER generations_search_hide AFTER UPDATE OF searchable ON generations "
    "WHEN new.searchable = 0 BEGIN DELETE FROM generation_search WHERE generation_id = old.id; END",
]
POSTGRES_SEARCH = [
    "DROP INDEX ix_generations_search",
    "ALTER TABLE generations DROP COLUMN search",
    "ALTER TABLE generations ADD COLUMN search tsvector GENERATED ALWAYS AS "
    "(CASE WHEN searchable THEN to_tsvector('simple', prompt) ELSE ''::tsvector END) STORED",
    "CREATE INDEX ix_generations_search ON generations USING gin (search)",
]
POSTGRES_SEARCH_DOWN = [
    "DROP INDEX ix_generations_search",
    "ALTER TABLE generations DROP COLUMN search",
    "ALTER TABLE generations ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('simple', prompt)) STORED",
    "CREATE INDEX ix_generations_search ON generations USING gin (search)",
]


def upgrade() -> None:
    op.create_table(
        "consents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("purpose", String(length=30), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("policy_version", String(length=20), nullable=False),
        sa.Column("source", String(length=20), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        **NEVER_REUSE_IDS,
    )
    op.create_index("ix_consents_user_id_purpose_id", "consents", ["user_id", "purpose", "id"])
    op.create_table(
        "privacy_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reference", String(length=32), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("kind", String(length=20), nullable=False),
        sa.Column("status", String(length=20), nullable=False),
        sa.Column("channel", String(length=20), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("handler_id", sa.Integer(), nullable=True),
        sa.Column("artifact", String(length=100), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=True),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        **NEVER_REUSE_IDS,
    )
    op.create_index("ix_privacy_requests_user_id_id", "privacy_requests", ["user_id", "id"])
    op.create_table(
        "erasures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reference", String(length=32), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("status", String(length=20), nullable=False),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("erase_after", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("done", sa.JSON(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        **NEVER_REUSE_IDS,
    )
    op.create_index("ix_erasures_status_erase_after", "erasures", ["status", "erase_after"])
    op.create_table(
        "ended_sessions",
        sa.Column("session_key", String(length=64), primary_key=True),
        sa.Column("until", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_ended_sessions_until", "ended_sessions", ["until"])
    op.create_table(
        "deletion_outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", String(length=20), nullable=False),
        sa.Column("target", String(length=300), nullable=False),
        sa.Column("erasure", String(length=32), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", String(length=200), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        **NEVER_REUSE_IDS,
    )
    op.create_index("ix_deletion_outbox_next_attempt_at", "deletion_outbox", ["next_attempt_at"])
    op.create_table(
        "safety_reviews",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("public_id", String(length=32), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("generation_id", String(length=64), sa.ForeignKey("generations.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("blob_key", String(length=200), nullable=False),
        sa.Column("content_type", String(length=50), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=True),
        sa.Column("status", String(length=20), nullable=False),
        sa.Column("requested_at", UTCDateTime(), nullable=True),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("image_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        **NEVER_REUSE_IDS,
    )
    op.create_index("ix_safety_reviews_user_id_id", "safety_reviews", ["user_id", "id"])
    op.create_index("ix_safety_reviews_status_id", "safety_reviews", ["status", "id"])
    for statement in SQLITE_AUDIT if op.get_bind().dialect.name == "sqlite" else POSTGRES_AUDIT:
        op.execute(statement)
    # A plain ADD COLUMN, no batch rebuild: SQLite's FTS5 triggers on generations stay as they are.
    op.add_column("generations", sa.Column("searchable", sa.Boolean(), nullable=False, server_default=sa.true()))
    for statement in SQLITE_SEARCH if op.get_bind().dialect.name == "sqlite" else POSTGRES_SEARCH:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER generations_search_hide")
        op.execute(
            "INSERT INTO generation_search (prompt, owner, generation_id) "
            "SELECT prompt, 'u' || user_id, id FROM generations WHERE searchable = 0"
        )
        op.execute("ALTER TABLE generations DROP COLUMN searchable")  # native: a rebuild would drop the triggers
    else:
        for statement in POSTGRES_SEARCH_DOWN:
            op.execute(statement)
        op.drop_column("generations", "searchable")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER audit_log_no_update")
        op.execute(
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
        )
    else:
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION audit_log_pseudonymise_only()")
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
    for table in ("safety_reviews", "deletion_outbox", "ended_sessions", "erasures", "privacy_requests", "consents"):
        op.drop_table(table)
