"""Ledger rows: appended, summed and paged; never changed."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from db.tables import LedgerEntry


class LedgerRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, entry: LedgerEntry) -> None:
        self.session.add(entry)
        self.session.flush()

    def add_once(self, entry: LedgerEntry) -> bool:
        """Add the row unless its idempotency key is taken; False if it is, even when another
        transaction takes it at the same moment (the insert runs in a savepoint, so losing the race
        rolls back only this row, and the caller's transaction carries on)."""
        try:
            with self.session.begin_nested():
                self.session.add(entry)
        except IntegrityError:
            return False
        return True

    def has_key(self, key: str) -> bool:
        found = self.session.exec(select(LedgerEntry.id).where(LedgerEntry.idempotency_key == key))
        return found.first() is not None

    def page(self, user_id: int, before_id: int | None, limit: int) -> Sequence[LedgerEntry]:
        query = select(LedgerEntry).where(LedgerEntry.user_id == user_id)
        if before_id is not None:
            query = query.where(col(LedgerEntry.id) < before_id)
        return self.session.exec(query.order_by(col(LedgerEntry.id).desc()).limit(limit)).all()

    def count(self, user_id: int) -> int:
        query = select(func.count()).select_from(LedgerEntry).where(LedgerEntry.user_id == user_id)
        return int(self.session.exec(query).one())

    def total(self, user_id: int) -> int:
        query = select(func.coalesce(func.sum(LedgerEntry.delta), 0)).where(LedgerEntry.user_id == user_id)
        return int(self.session.exec(query).one())
