"""The gallery at scale: full-text search over prompts, favourites, each image's aspect ratio and ThumbHash
placeholder, and collections.

Search is the database's own full-text index, kept in step with `generations` inside the same
transaction that writes a job: on SQLite an FTS5 table filled by triggers, on PostgreSQL a stored
generated tsvector column with a GIN index. Both split words the same way and fold case only
(no stemming, no accent folding), so one query means the same on either.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 11:00:00
"""

from __future__ import annotations

import math

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

String = sqlmodel.sql.sqltypes.AutoString
UTCDateTime = sqlmodel.sql.sqltypes.UTCDateTime
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}

# `owner` holds one token, "u<user id>": a search matches it first, so it reads only the user's own jobs
# (without it, a common word read every user's matching jobs before keeping the user's: 30 times slower).
SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE generation_search USING fts5("
    "prompt, owner, generation_id UNINDEXED, tokenize = 'unicode61 remove_diacritics 0')",
    "INSERT INTO generation_search (prompt, owner, generation_id) SELECT prompt, 'u' || user_id, id FROM generations",
    "CREATE TRIGGER generations_search_insert AFTER INSERT ON generations BEGIN "
    "INSERT INTO generation_search (prompt, owner, generation_id) VALUES (new.prompt, 'u' || new.user_id, new.id); "
    "END",
    "CREATE TRIGGER generations_search_delete AFTER DELETE ON generations BEGIN "
    "DELETE FROM generation_search WHERE generation_id = old.id; END",
    "CREATE TRIGGER generations_search_update AFTER UPDATE OF prompt ON generations BEGIN "
    "UPDATE generation_search SET prompt = new.prompt WHERE generation_id = old.id; END",
]
POSTGRES_SEARCH = [
    "ALTER TABLE generations ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('simple', prompt)) STORED",
    "CREATE INDEX ix_generations_search ON generations USING gin (search)",
]


def upgrade() -> None:
    # A batch rebuild on SQLite must keep AUTOINCREMENT (migration 0002), or image ids could be reused.
    keep_ids = {"sqlite_autoincrement": True} if op.get_bind().dialect.name == "sqlite" else {}
    with op.batch_alter_table("images", table_kwargs=keep_ids) as batch_op:
        batch_op.add_column(sa.Column("aspect", String(length=10), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("thumbhash", String(length=64), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("favourite", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_index("ix_images_user_id_favourite_id", "images", ["user_id", "favourite", "id"])
    _backfill_aspects()
    op.create_table(
        "collections",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("name", String(length=60), nullable=False),
        sa.Column("name_key", String(length=60), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("user_id", "name_key", name="uq_collections_user_id_name_key"),
        **NEVER_REUSE_IDS,
    )
    op.create_index("ix_collections_user_id", "collections", ["user_id"])
    op.create_table(
        "collection_images",
        sa.Column("collection_id", sa.Integer(), sa.ForeignKey("collections.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("image_id", sa.Integer(), sa.ForeignKey("images.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("added_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_collection_images_image_id", "collection_images", ["image_id"])
    for statement in SQLITE_SEARCH if op.get_bind().dialect.name == "sqlite" else POSTGRES_SEARCH:
        op.execute(statement)


def _backfill_aspects() -> None:
    bind = op.get_bind()
    images = sa.table("images", sa.column("id"), sa.column("width"), sa.column("height"), sa.column("aspect"))
    shapes = bind.execute(sa.select(images.c.width, images.c.height).distinct()).all()
    for width, height in shapes:
        bind.execute(
            images.update()
            .where(images.c.width == width, images.c.height == height)
            .values(aspect=nearest_aspect(width, height))
        )


# A frozen copy of the rule as it stood when this migration was written (core/domain/gallery.py: nearest_aspect):
# a migration never imports live code, so a later change to the rule cannot change what this one did.
ASPECT_RATIOS_0007 = ("21:9", "16:9", "4:3", "3:2", "1:1", "2:3", "3:4", "9:16", "9:21")


def nearest_aspect(width: int, height: int) -> str:
    shape = math.log(max(width, 1) / max(height, 1))

    def distance(name: str) -> float:
        w, h = (int(part) for part in name.split(":"))
        return abs(math.log(w / h) - shape)

    return min(ASPECT_RATIOS_0007, key=distance)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER generations_search_{trigger}")
        op.execute("DROP TABLE generation_search")
    else:
        op.drop_index("ix_generations_search", table_name="generations")
        op.drop_column("generations", "search")
    op.drop_index("ix_collection_images_image_id", table_name="collection_images")
    op.drop_table("collection_images")
    op.drop_index("ix_collections_user_id", table_name="collections")
    op.drop_table("collections")
    op.drop_index("ix_images_user_id_favourite_id", table_name="images")
    keep_ids = {"sqlite_autoincrement": True} if op.get_bind().dialect.name == "sqlite" else {}
    with op.batch_alter_table("images", table_kwargs=keep_ids) as batch_op:
        batch_op.drop_column("favourite")
        batch_op.drop_column("thumbhash")
        batch_op.drop_column("aspect")
