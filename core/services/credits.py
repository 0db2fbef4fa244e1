"""CreditService: what a user sees of their credits: the balance and the ledger."""

from __future__ import annotations

from core.domain import LedgerEntryView, Page, UserView, keyset_page
from core.services.views import ledger_view
from db.uow import Database


class CreditService:
    page_size = 50

    def __init__(self, db: Database) -> None:
        self.db = db

    def balance(self, user: UserView) -> int:
        with self.db.reader() as uow:
            return uow.users.balance(user.id)

    def ledger_page(self, user: UserView, before_id: int | None = None) -> Page[LedgerEntryView]:
        with self.db.reader() as uow:
            rows = list(uow.ledger.page(user.id, before_id, self.page_size + 1))
            total = uow.ledger.count(user.id)
        return keyset_page([ledger_view(r) for r in rows], self.page_size, total)
