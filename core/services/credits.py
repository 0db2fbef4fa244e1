"""CreditService: what a user sees of their credits: the balance, the statement and the raw ledger."""

from __future__ import annotations

from core.domain import LedgerEntryView, Page, StatementRow, UserView, keyset_page
from core.services.credit_views import ledger_view, statement_row
from core.signing import MediaSigner
from core.text import plural
from db.uow import Database


class CreditService:
    page_size = 25

    def __init__(self, db: Database, signer: MediaSigner) -> None:
        self.db, self.signer = db, signer

    def balance(self, user: UserView) -> int:
        with self.db.reader() as uow:
            return uow.users.balance(user.id)

    @staticmethod
    def shortfall(balance: int, cost: int) -> str:
        """Why a job costing `cost` cannot start on this balance, or "" when it can. Nothing starts at or below
        zero, which only a refund or a dispute can bring about."""
        if balance < 0:
            return (
                f"Your balance is {balance:,} credits: a refunded or disputed payment took back credits that were "
                "already used. Generating is paused until a purchase brings it above zero."
            )
        if balance >= cost and balance > 0:
            return ""
        return f"This needs {plural(cost, 'credit')} and you have {plural(balance, 'credit')}."

    def statement(self, user: UserView, before: int | None = None) -> Page[StatementRow]:
        """One line per generation job (its hold, capture and release together) or grant or adjustment,
        newest first, each with the balance after it: the top line of the first page is the balance."""
        with self.db.reader() as uow:
            lines = uow.ledger.statement(user.id, before, self.page_size + 1)
            total = uow.ledger.statement_count(user.id)
            balance = uow.users.balance(user.id)
            # What the lines of newer pages changed, summed in SQL: the balance before them is this page's start.
            if before is not None:
                balance -= uow.ledger.change_since(user.id, before)
            shown = lines[: self.page_size]
            jobs = uow.ledger.statement_jobs(user.id, [j for j in (line.generation_id for line in shown) if j])
        rows = []
        for line in lines:
            rows.append(statement_row(line, balance, jobs.get(line.generation_id or ""), self.signer))
            balance -= line.change
        return keyset_page(rows, self.page_size, total)

    def ledger_page(self, user: UserView, before_id: int | None = None) -> Page[LedgerEntryView]:
        with self.db.reader() as uow:
            rows = list(uow.ledger.page(user.id, before_id, self.page_size + 1))
            total = uow.ledger.count(user.id)
        return keyset_page([ledger_view(r) for r in rows], self.page_size, total)
