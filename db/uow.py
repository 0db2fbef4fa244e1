"""The unit of work: one transaction, rolled back unless the service commits it; repositories built on first use."""

from __future__ import annotations

from types import TracebackType
from typing import TypeVar

from sqlalchemy import Engine, text
from sqlmodel import Session

from core.shortcuts import Shortcut
from db.engine import writer
from db.repositories import (
    AuditRepository,
    BillingRepository,
    CollectionRepository,
    ExportRepository,
    GenerationRepository,
    ImageRepository,
    LedgerRepository,
    SignInRepository,
    UserRepository,
)
from db.repositories.base import Repository

R = TypeVar("R", bound=Repository)


class UnitOfWork:
    users = Shortcut(UserRepository)
    ledger = Shortcut(LedgerRepository)
    generations = Shortcut(GenerationRepository)
    images = Shortcut(ImageRepository)
    sign_ins = Shortcut(SignInRepository)
    audit = Shortcut(AuditRepository)
    billing = Shortcut(BillingRepository)
    collections = Shortcut(CollectionRepository)
    exports = Shortcut(ExportRepository)

    def __init__(self, engine: Engine, *, write: bool = True) -> None:
        self._bind = writer(engine) if write else engine
        self._repositories: dict[type[Repository], Repository] = {}

    def __enter__(self) -> UnitOfWork:
        self.session = Session(self._bind, expire_on_commit=False)
        self._repositories.clear()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back whatever was not committed. Unlike rollback() it leaves loaded
        # rows readable, so services may build their read models after the block.
        self.session.close()

    def of(self, kind: type[R]) -> R:
        """The transaction's repository of this kind, made the first time it is asked for: a transaction pays
        only for the repositories it uses, and a new capability's repository needs no line here."""
        found = self._repositories.get(kind)
        if found is None:
            found = self._repositories[kind] = kind(self.session)
        assert isinstance(found, kind)
        return found

    def flush(self) -> None:
        """Send the pending writes now, so a unique key is checked here (a DuplicateKeyError) and not at commit."""
        self.session.flush()

    def commit(self) -> None:
        self.session.commit()


class Database:
    """Hands out units of work over one engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.engine, write=True)

    def reader(self) -> UnitOfWork:
        return UnitOfWork(self.engine, write=False)

    def ping(self) -> None:
        """One round trip (SELECT 1) on a pooled connection: the readiness probe's proof that the database answers.
        Raises the driver's error when it does not."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
