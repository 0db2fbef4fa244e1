"""Migration 0010 on SQLite and PostgreSQL: every existing privacy request gets a due date (an open one 30 days
after it arrived, a self-service one that was done at once the moment it was made), the new columns and the
stored exports' table appear, and the migration goes down again and back up."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, inspect, text

from db.schema import ROOT, migrate
from tests.integration.test_migrations import NOW, add_user, empty_database  # noqa: F401  (the fixture)


def downgrade(url: str, revision: str) -> None:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    command.downgrade(config, revision)


def add_request(conn, user_id: int, reference: str, status: str, channel: str) -> None:  # type: ignore[no-untyped-def]
    conn.execute(
        text(
            "INSERT INTO privacy_requests (reference, user_id, kind, status, channel, detail, answer, artifact, "
            "received_at) VALUES (:r, :u, 'rectification', :s, :c, '', '', '', :t)"
        ),
        {"r": reference, "u": user_id, "s": status, "c": channel, "t": NOW},
    )


def test_existing_requests_get_due_dates_and_the_migration_goes_down_and_up_again(empty_database: str) -> None:  # noqa: F811
    migrate(empty_database, "0009")
    engine = create_engine(empty_database)
    with engine.begin() as conn:
        user = add_user(conn, "old")
        add_request(conn, user, "OPEN1", "received", "self_service")
        add_request(conn, user, "DONE1", "completed", "self_service")
        add_request(conn, user, "ANSWERED1", "denied", "email")
    migrate(empty_database, "0010")
    from sqlmodel import Session, select

    from db.tables import PrivacyRequest

    with Session(engine) as session:
        due = {r.reference: r.due_at for r in session.exec(select(PrivacyRequest)).all()}
        [urgent] = set(session.exec(select(PrivacyRequest.urgent)).all())
    received = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    assert due == {
        "OPEN1": datetime(2026, 12, 27, 12, 0, tzinfo=UTC),
        "DONE1": received,
        "ANSWERED1": datetime(2026, 12, 27, 12, 0, tzinfo=UTC),
    }
    assert urgent is False
    assert "stored_exports" in inspect(engine).get_table_names()
    engine.dispose()

    downgrade(empty_database, "0009")
    engine = create_engine(empty_database)
    columns = {c["name"] for c in inspect(engine).get_columns("privacy_requests")}
    assert "urgent" not in columns and "stored_exports" not in inspect(engine).get_table_names()
    engine.dispose()
    migrate(empty_database)
    engine = create_engine(empty_database)
    assert "extension_reason" in {c["name"] for c in inspect(engine).get_columns("privacy_requests")}
    engine.dispose()
