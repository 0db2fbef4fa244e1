"""Apply the Alembic migrations to a database URL (used by `make migrate`'s tests and tools)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

ROOT = Path(__file__).resolve().parent.parent
# The full-text search index lives only in the migrations (0007), not in the SQLModel tables: SQLite's FTS5
# table with its shadow tables and triggers, PostgreSQL's generated tsvector column with its GIN index.
SEARCH_INDEX_TABLE = "generation_search"
SEARCH_INDEX_COLUMN, SEARCH_INDEX = "search", "ix_generations_search"


def known_to_models(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Alembic's include_object: leave out of a comparison what only the migrations define (the search index)."""
    if type_ == "table" and name is not None and name.startswith(SEARCH_INDEX_TABLE):
        return False
    if (
        type_ == "column"
        and name == SEARCH_INDEX_COLUMN
        and getattr(getattr(obj, "table", None), "name", "") == "generations"
    ):
        return False
    return not (type_ == "index" and name == SEARCH_INDEX)


def migrate(url: str, revision: str = "head") -> None:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    command.upgrade(config, revision)
