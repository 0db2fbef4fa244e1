"""The email outbox: messages queued in the transaction that caused them; the sender's claims and outcomes.

A message is claimed by a conditional update (queued, or sending with its lease run out, and still at the
attempt count the claimer read), which also counts the attempt: of two senders that read the same row, the
second's update matches nothing. While a message is `sending`, `next_attempt_at` is its lease's end; the
outcome is written only by the holder of that attempt (the count names it), never over a later claim."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, update
from sqlmodel import col, select

from db.repositories.base import Repository
from db.repositories.inserts import insert_once
from db.tables import OutboxMessage

QUEUED, SENDING, SENT, KEPT, FAILED = "queued", "sending", "sent", "kept", "failed"
FINISHED = (SENT, KEPT, FAILED)
BLANK = {"recipient": "", "body": ""}  # an erased account's last message, once it left the queue


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

    # -- the sender ----------------------------------------------------------------------------------------------
    def due(self, now: datetime, limit: int) -> list[OutboxMessage]:
        """Messages to send now: queued and due, or left `sending` by a sender whose lease ran out."""
        query = (
            select(OutboxMessage)
            .where(col(OutboxMessage.status).in_((QUEUED, SENDING)), col(OutboxMessage.next_attempt_at) <= now)
            .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id))
            .limit(limit)
        )
        return list(self.session.exec(query).all())

    def claim(self, message_id: int, attempts: int, now: datetime, lease_until: datetime) -> bool:
        """Take the message for one attempt if it is still due at the count the caller read."""
        return self._update(
            message_id,
            attempts,
            [col(OutboxMessage.status).in_((QUEUED, SENDING)), col(OutboxMessage.next_attempt_at) <= now],
            {"status": SENDING, "attempts": attempts + 1, "next_attempt_at": lease_until},
        )

    def sent(self, message_id: int, attempt: int, status: str, now: datetime, *, blank: bool) -> bool:
        """The attempt's message was delivered (`sent`) or kept in the outbox (`kept`); `blank` drops its address
        and body (an erased account's last message)."""
        values: dict[str, Any] = {"status": status, "sent_at": now, "last_error": ""}
        if blank:
            values |= BLANK
        return self._update(message_id, attempt, [col(OutboxMessage.status) == SENDING], values)

    def failed(self, message_id: int, attempt: int, error: str, retry_at: datetime | None, *, blank: bool) -> bool:
        """The attempt failed: queued again for `retry_at`, or given up (`failed`) when None (and then blanked,
        as `sent` does, if `blank`)."""
        values: dict[str, Any] = {"last_error": error[:200]}
        values |= {"status": QUEUED, "next_attempt_at": retry_at} if retry_at else _given_up(blank)
        return self._update(message_id, attempt, [col(OutboxMessage.status) == SENDING], values)

    def give_up(self, message_id: int, attempts: int, error: str, *, blank: bool) -> bool:
        """A due message that has had all its attempts (its last sender's lease ran out) is not tried again."""
        values: dict[str, Any] = {"last_error": error[:200], **_given_up(blank)}
        return self._update(message_id, attempts, [col(OutboxMessage.status).in_((QUEUED, SENDING))], values)

    def _update(
        self, message_id: int, attempts: int, conditions: list[ColumnElement[bool]], values: dict[str, Any]
    ) -> bool:
        statement = (
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == message_id, col(OutboxMessage.attempts) == attempts, *conditions)
            .values(**values)
        )
        return self.session.execute(statement).rowcount == 1  # type: ignore[attr-defined, no-any-return]

    # -- the admin console and retention -------------------------------------------------------------------------
    def get(self, message_id: int) -> OutboxMessage | None:
        return self.session.get(OutboxMessage, message_id)

    def newest(self, before_id: int | None, limit: int) -> Sequence[OutboxMessage]:
        query = select(OutboxMessage)
        if before_id is not None:
            query = query.where(col(OutboxMessage.id) < before_id)
        return self.session.exec(query.order_by(col(OutboxMessage.id).desc()).limit(limit)).all()

    def counts(self) -> dict[str, int]:
        """How many messages are in each status."""
        query = select(OutboxMessage.status, func.count()).group_by(col(OutboxMessage.status))
        return {status: int(count) for status, count in self.session.exec(query).all()}

    def delete_finished(self, before: datetime) -> int:
        """Delete sent, kept and failed messages created before `before`; how many went."""
        statement = delete(OutboxMessage).where(
            col(OutboxMessage.status).in_(FINISHED), col(OutboxMessage.created_at) < before
        )
        return int(self.session.execute(statement).rowcount)  # type: ignore[attr-defined]


def _given_up(blank: bool) -> dict[str, Any]:
    return {"status": FAILED, **(BLANK if blank else {})}
