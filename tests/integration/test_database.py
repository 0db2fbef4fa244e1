"""Unit of work, repositories and migrations on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import db.tables  # noqa: F401
from db.engine import make_engine
from db.schema import known_to_models
from db.tables import User
from db.uow import Database


def test_a_unit_of_work_that_is_not_committed_leaves_nothing_behind(database_url: str) -> None:
    database = Database(make_engine(database_url))
    with database.uow() as uow:
        uow.users.add(User(issuer="local", subject="ghost", email="ghost@example.com"))
    with database.uow() as uow:
        uow.users.add(User(issuer="local", subject="kept", email="kept@example.com"))
        uow.commit()
    with database.reader() as uow:
        assert uow.users.by_identity("local", "ghost") is None
        assert uow.users.by_identity("local", "kept") is not None
    database.engine.dispose()


def test_a_unit_of_work_that_fails_midway_rolls_everything_back(database_url: str) -> None:
    database = Database(make_engine(database_url))
    try:
        with database.uow() as uow:
            uow.users.add(User(issuer="local", subject="half", email="half@example.com"))
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    with database.reader() as uow:
        assert uow.users.by_identity("local", "half") is None
    database.engine.dispose()


def test_the_migrations_build_exactly_the_schema_the_code_expects(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": known_to_models})
        differences = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    assert differences == []


def test_the_cached_balance_can_only_be_debited_when_it_covers_the_amount(database_url: str) -> None:
    database = Database(make_engine(database_url))
    with database.uow() as uow:
        user = uow.users.add(User(issuer="local", subject="dora", email="dora@example.com", balance=2))
        assert user.id is not None
        assert uow.users.debit_if_covered(user.id, 2) is True
        assert uow.users.debit_if_covered(user.id, 1) is False
        uow.commit()
    with database.reader() as uow:
        assert uow.users.balance(user.id) == 0
    database.engine.dispose()
