"""Queueing an email: in the caller's transaction, so the message exists exactly when its cause does. The
worker sends it (core/services/email_sender.py). The user's choices decide before anything is written:
a message they ruled out is never queued (core/domain/email.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from core.domain.email import PURPOSES, MessageKind, allowed
from core.services.email_messages import render
from db.repositories.consents import ConsentRepository
from db.repositories.email_outbox import EmailOutboxRepository
from db.repositories.users import UserRepository
from db.tables import OutboxMessage
from db.uow import UnitOfWork


def enqueue(
    uow: UnitOfWork, user_id: int, kind: MessageKind, now: datetime, facts: Mapping[str, str], *, key: str
) -> bool:
    """Queue one message to the user's current address. `key` names the cause (`request_received:<reference>`):
    the same key is queued once. False when the user's choices rule it out, the account is gone, or the key was
    queued already."""
    user = uow.of(UserRepository).get(user_id)
    if user is None or not user.email:
        return False
    purpose = PURPOSES[kind]
    if not allowed(purpose, uow.of(ConsentRepository).choices(user_id)):
        return False
    return enqueue_to(uow, user.email, kind, now, facts, key=key, user_id=user_id)


def enqueue_to(
    uow: UnitOfWork,
    recipient: str,
    kind: MessageKind,
    now: datetime,
    facts: Mapping[str, str],
    *,
    key: str,
    user_id: int | None = None,
) -> bool:
    """Queue a message to an address with no account behind it any more (the erasure's last message), or one
    whose choices the caller already checked. False when the key was queued already."""
    message = render(kind, facts)
    return uow.of(EmailOutboxRepository).add_once(
        OutboxMessage(
            key=key[:120],
            user_id=user_id,
            recipient=recipient,
            kind=kind.value,
            purpose=PURPOSES[kind].value,
            subject=message.subject,
            body=message.body,
            next_attempt_at=now,
            created_at=now,
        )
    )
