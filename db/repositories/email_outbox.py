"""The email outbox: messages queued in the transaction that caused them; the sender's claims and outcomes."""

from __future__ import annotations

from sqlmodel import col, select

from db.repositories.base import Repository
from db.repositories.inserts import insert_once
from db.tables import OutboxMessage


class EmailOutboxRepository(Repository):
    def add_once(self, message: OutboxMessage) -> bool:
        """Queue the message unless one with its key is queued already (the same cause twice)."""
        return insert_once(self.session, message)

    def for_user(self, user_id: int) -> list[OutboxMessage]:
        """The user's messages, newest first."""
        query = (
            select(OutboxMessage).where(col(OutboxMessage.user_id) == user_id).order_by(col(OutboxMessage.id).desc())
        )
        return list(self.session.exec(query).all())
