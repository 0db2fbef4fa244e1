"""Upgrading a database that already holds data, on SQLite and PostgreSQL: nothing is lost, links and ids are safe."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from db.schema import migrate
from tests.conftest import POSTGRES_ADMIN_URL
from tests.migrated_db import scratch_postgres

NOW = "2026-11-27 12:00:00"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A brand-new database, so the migrations can be stopped half-way."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    request.getfixturevalue("postgres_url")  # skips or fails (in CI) when PostgreSQL is unreachable
    with scratch_postgres(POSTGRES_ADMIN_URL, "atelier_migration") as url:
        yield url


def add_user(conn, name: str) -> int:  # type: ignore[no-untyped-def]
    conn.execute(
        text(
            "INSERT INTO users (issuer, subject, email, display_name, role, balance, created_at, session_version) "
            "VALUES ('local', :e, :e, :n, 'user', 0, :t, 0)"
        ),
        {"e": f"{name}@example.com", "n": name, "t": NOW},
    )
    return int(conn.execute(text("SELECT max(id) FROM users")).scalar_one())


def test_upgrading_a_database_with_images_and_jobs_keeps_them_and_gives_every_image_a_public_id(
    empty_database: str,
) -> None:
    migrate(empty_database, "0001")
    engine = create_engine(empty_database)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (email, display_name, role, balance, created_at) "
                "VALUES ('old@example.com', 'old', 'user', 5, :t)"
            ),
            {"t": NOW},
        )
        for job, request_id in (("a" * 32, "off_x"), ("b" * 32, None)):
            conn.execute(
                text(
                    "INSERT INTO generations (id, user_id, kind, status, prompt, model, aspect_ratio, seed, "
                    "num_images, output_format, cost, charged, provider_request_id, progress, status_message, "
                    "created_at, updated_at) VALUES (:id, 1, 'text_to_image', 'running', 'p', 'offline-draw', "
                    "'1:1', 1, 1, 'png', 1, 0, :rid, 0, '', :t, :t)"
                ),
                {"id": job, "rid": request_id, "t": NOW},
            )
        for image in (1, 2):
            conn.execute(
                text(
                    "INSERT INTO images (user_id, position, source, blob_key, thumb_key, content_type, width, "
                    "height, size_bytes, created_at) VALUES (1, 0, 'upload', :k, :k, 'image/png', 1, 1, 1, :t)"
                ),
                {"k": f"u1/{image}.png", "t": NOW},
            )
    engine.dispose()

    migrate(empty_database)

    engine = create_engine(empty_database)
    with engine.begin() as conn:
        public_ids = [r[0] for r in conn.execute(text("SELECT public_id FROM images ORDER BY id"))]
        attempts = dict(conn.execute(text("SELECT id, send_attempts FROM generations")).all())
        old_balance = conn.execute(text("SELECT balance FROM users WHERE id = 1")).scalar_one()
        # Accounts made by the development sign-in keep their identity: the local issuer and the address.
        identity = conn.execute(text("SELECT issuer, subject, email_verified FROM users WHERE id = 1")).one()
        # After the upgrade an id is never handed out twice: delete the newest account, add another.
        ids = [add_user(conn, name) for name in ("gone", "new")]
        conn.execute(text("DELETE FROM users WHERE id = :id"), {"id": ids[0]})
        ids.append(add_user(conn, "newer"))
    engine.dispose()
    assert len(public_ids) == 2 and len(set(public_ids)) == 2 and all(len(p) == 32 for p in public_ids)
    assert attempts == {"a" * 32: 1, "b" * 32: 0}  # a job already sent counts as sent, so it is never resent
    assert old_balance == 5
    assert tuple(identity) == ("local", "old@example.com", True)
    assert ids[2] > ids[1] > ids[0] > 1


def test_every_table_that_never_reuses_ids_still_has_autoincrement_after_all_the_migrations(tmp_path: Path) -> None:
    """A batch rebuild on SQLite drops AUTOINCREMENT unless told to keep it; then a deleted image's id, and so
    its old links and collection places, could be handed to the next image."""
    from sqlmodel import SQLModel

    import db.tables  # noqa: F401  (registers every table)

    url = f"sqlite:///{tmp_path / 'head.db'}"
    migrate(url)
    keeping = [t.name for t in SQLModel.metadata.sorted_tables if t.kwargs.get("sqlite_autoincrement")]
    assert {"users", "images", "ledger_entries", "collections"} <= set(keeping)
    with create_engine(url).connect() as conn:
        for name in keeping:
            sql = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = :n"), {"n": name}).scalar_one()
            assert "AUTOINCREMENT" in sql, f"{name} lost AUTOINCREMENT"
