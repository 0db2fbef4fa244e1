"""The unit of work: one transaction, rolled back unless the service commits it."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Engine
from sqlmodel import Session

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


class UnitOfWork:
    users: UserRepository
    ledger: LedgerRepository
    generations: GenerationRepository
    images: ImageRepository
    sign_ins: SignInRepository
    audit: AuditRepository
    billing: BillingRepository
    collections: CollectionRepository
    exports: ExportRepository

    def __init__(self, engine: Engine, *, write: bool = True) -> None:
        self._bind = writer(engine) if write else engine

    def __enter__(self) -> UnitOfWork:
        self.session = Session(self._bind, expire_on_commit=False)
        self.users = UserRepository(self.session)
        self.ledger = LedgerRepository(self.session)
        self.generations = GenerationRepository(self.session)
        self.images = ImageRepository(self.session)
        self.sign_ins = SignInRepository(self.session)
        self.audit = AuditRepository(self.session)
        self.billing = BillingRepository(self.session)
        self.collections = CollectionRepository(self.session)
        self.exports = ExportRepository(self.session)
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
