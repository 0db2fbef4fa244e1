"""The schema's revisions: apply the Alembic migrations to a database URL (`make migrate`, tests and tools), and
check at start that a database is at this build's head."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from core.errors import ConfigurationError
from db.engine import make_engine

ROOT = Path(__file__).resolve().parent.parent
# The full-text search index lives only in the migrations (0007), not in the SQLModel tables: SQLite's FTS5
# table with its shadow tables and triggers, PostgreSQL's generated tsvector column with its GIN index.
SEARCH_INDEX_TABLE = "generation_search"
SEARCH_INDEX_COLUMN, SEARCH_INDEX = "search", "ix_generations_search"
MIGRATE_ONCE = "Run `make migrate` (or `alembic upgrade head`) once"


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
    config = _config()
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(config, revision)


@cache
def head_revision() -> str:
    """The newest migration this build ships: what the database must be at before a web process or worker starts.
    Read once per process, as the migrations cannot change under a running build."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:
        raise ConfigurationError("This build ships no migrations.")
    return head


def known_revisions() -> frozenset[str]:
    return frozenset(script.revision for script in ScriptDirectory.from_config(_config()).walk_revisions())


def database_revision(engine: Engine) -> str | None:
    """The revision Alembic last recorded in this database; None when it was never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def schema_problem_on(engine: Engine) -> str | None:
    """None when the database is at this build's head; otherwise what is wrong and the one command that fixes it.
    Raises the driver's error when the database does not answer."""
    return describe_revision(database_revision(engine))


def describe_revision(current: str | None) -> str | None:
    head = head_revision()
    if current == head:
        return None
    if current is None:
        return (
            f"The database has no schema yet, and this build needs revision {head}. {MIGRATE_ONCE}, then start again."
        )
    if current not in known_revisions():
        return (
            f"The database is at revision {current}, which this build does not know (its newest is {head}): a newer "
            "build migrated it. Start that build again, or restore the database from its backup before the upgrade."
        )
    return f"The database is at revision {current} but this build needs {head}. {MIGRATE_ONCE}, then start again."


def schema_problem(url: str) -> str | None:
    """The start's check (web and worker): None at head, else a sentence an operator can act on. Migrations never
    run here; they are their own step, run once, so several replicas never migrate at the same time."""
    engine = make_engine(url)
    try:
        return schema_problem_on(engine)
    except OperationalError as exc:
        # The driver's message names the host and user; the type is enough to act on.
        return (
            f"The database does not answer ({type(exc.orig).__name__}): check DATABASE_URL and that the "
            "database server is running."
        )
    finally:
        engine.dispose()


def _config() -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["configure_logger"] = False
    return config
