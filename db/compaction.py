"""After an account's erasure on SQLite: leave no bytes of it in the file. Deleted rows are already overwritten
(PRAGMA secure_delete, db/engine.py); this also merges the full-text index's segments, so its old segments with
the user's prompts are rewritten without them and their pages zeroed (FTS5's own 'secure-delete' option needs
SQLite 3.42), then checkpoints the write-ahead log and truncates it, so it keeps no old page. PostgreSQL needs
nothing here: deleted rows are gone from its tables at once, and VACUUM reclaims their dead tuples in time."""

from __future__ import annotations

from db.uow import Database

SEARCH_TABLE = "generation_search"


def scrub_free_space(db: Database) -> None:
    if db.engine.dialect.name != "sqlite":
        return
    raw = db.engine.raw_connection()  # autocommit (isolation_level None): each statement is its own transaction
    try:
        # A database made from the models alone (unit tests) has no search index: only the migrations make it.
        if raw.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (SEARCH_TABLE,)).fetchone():
            raw.execute("BEGIN IMMEDIATE")
            raw.execute(f"INSERT INTO {SEARCH_TABLE} ({SEARCH_TABLE}) VALUES ('optimize')")
            raw.execute("COMMIT")
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()
