"""The house's shared mechanisms on both databases: repositories built when first used, a duplicate key as a
domain error, the registry's routes, and the background loop running every registered task."""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from core.errors import DuplicateKeyError, ValidationError
from core.registry import PeriodicTask, capabilities
from core.web.lifespan import background_lifespan
from core.web.routes import all_routes
from db.engine import make_engine
from db.repositories import UserRepository
from db.tables import Collection, SignIn, User
from db.uow import Database
from tests.factories import sign_up
from tests.waiting import wait_until_async


def test_a_transaction_builds_only_the_repositories_it_uses(database_url: str) -> None:
    database = Database(make_engine(database_url))
    with database.uow() as uow:
        assert uow._repositories == {}
        assert uow.users is uow.of(UserRepository) is uow.users
        assert set(uow._repositories) == {UserRepository}
    database.engine.dispose()


def test_a_taken_unique_key_is_a_domain_error_wherever_the_write_is_flushed(database_url: str) -> None:
    database = Database(make_engine(database_url))
    with database.uow() as uow:
        uow.users.add(User(issuer="local", subject="ada", email="ada@example.com"))
        uow.commit()
    with database.uow() as uow, pytest.raises(DuplicateKeyError):
        uow.users.add(User(issuer="local", subject="ada", email="ada@example.com"))  # flushed by add
    with database.uow() as uow:
        uow.session.add(User(issuer="local", subject="ada", email="again@example.com"))
        with pytest.raises(DuplicateKeyError):
            uow.commit()
    database.engine.dispose()


def test_other_integrity_errors_are_not_mistaken_for_a_duplicate(database_url: str) -> None:
    """A foreign key that points nowhere is a bug to see, not a race to explain away."""
    database = Database(make_engine(database_url))
    now = datetime.now(UTC)
    with database.uow() as uow:
        uow.session.add(SignIn(user_id=999_999, session_key="k", session_version=0, issued_at=now, created_at=now))
        with pytest.raises(IntegrityError):
            uow.commit()
    database.engine.dispose()


def test_renaming_a_collection_to_a_name_another_tab_takes_at_the_same_moment_says_it_is_taken(
    containers, database_url: str
) -> None:
    c = containers(database_url)
    user = sign_up(c)
    first = c.collections.create(user, "Harbour")
    second = c.collections.create(user, "Boats")
    rival = c.db.uow()
    with rival:
        row = rival.session.get(Collection, first.id)
        assert row is not None
        row.name, row.name_key = "Sunsets", "sunsets"
        rival.flush()  # holds the name until it commits; the other tab's rename waits for it
        outcome: list[BaseException] = []

        def rename() -> None:
            try:
                c.collections.rename(user, second.id, "sunsets")
            except BaseException as exc:  # noqa: BLE001  looked at below
                outcome.append(exc)

        other_tab = threading.Thread(target=rename)
        other_tab.start()
        other_tab.join(timeout=0.5)  # it is blocked on the rival's lock (or its write lock on SQLite)
        rival.commit()
    other_tab.join()
    assert len(outcome) == 1 and isinstance(outcome[0], ValidationError)
    assert "already have a collection named" in str(outcome[0])
    assert sorted(v.name for v in c.collections.list(user)) == ["Boats", "Sunsets"]


def test_every_capabilitys_routes_are_served() -> None:
    paths = {getattr(route, "path", "") for route in all_routes(lambda: pytest.fail("no route is built eagerly"))}
    assert {"/api/media/{public_id}/{variant}", "/api/webhooks/fal", "/api/webhooks/stripe", "/auth/signout"} <= paths
    assert {c.name for c in capabilities()} >= {"accounts", "billing", "gallery", "studio"}


def test_a_failing_task_is_logged_by_its_type_alone_and_the_other_tasks_still_run(
    containers, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    c = containers(database_url)
    ran = threading.Event()

    def broken(_c: object) -> int:
        raise ValueError("alice@example.com wrote a secret prompt")

    def counted(_c: object) -> int:
        ran.set()
        return 3

    tasks = [
        PeriodicTask("broken", lambda _s: 3600.0, broken),
        PeriodicTask("counted", lambda _s: 3600.0, counted, "Did %d things"),
    ]

    async def serve_until_the_second_task_ran() -> None:
        async with background_lifespan(lambda: c, tasks=tasks)(None):
            await wait_until_async(ran.is_set, what="the second task run")

    caplog.set_level(logging.DEBUG)
    runner = threading.Thread(target=asyncio.run, args=(serve_until_the_second_task_ran(),))
    runner.start()
    runner.join(timeout=30)
    assert ran.is_set()
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "Background task 'broken' failed: ValueError at test_house.py" in text
    assert "Did 3 things" in text
    assert "alice" not in text and "secret" not in text
