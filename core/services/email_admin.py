"""EmailAdminService: Admin → Outbox. Counts by status, the newest messages a page at a time, one message opened
to read (audited: an admin reads a user's mail) and "send queued now", which runs the sender once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.clock import Clock
from core.domain import UserView
from core.domain.paging import Page, keyset_page
from core.errors import NotFoundError
from core.services import audit
from core.services.email_sender import EmailSender
from core.services.roles import require_admin
from db.repositories.email_outbox import FAILED, KEPT, QUEUED, SENDING, SENT, EmailOutboxRepository
from db.tables import OutboxMessage
from db.uow import Database

REFUSAL = "Only admins can read the outbox."
STATUSES = (QUEUED, SENDING, SENT, KEPT, FAILED)
PAGE_SIZE = 25


@dataclass(frozen=True)
class OutboxItem:
    id: int
    recipient: str  # "" once an erased account's last message left the queue
    subject: str
    kind: str
    purpose: str
    status: str
    attempts: int
    last_error: str
    created_at: datetime
    sent_at: datetime | None
    user_id: int | None


@dataclass(frozen=True)
class OpenedMessage:
    item: OutboxItem
    body: str
    message_id: str


@dataclass(frozen=True)
class OutboxSummary:
    counts: dict[str, int]  # every status, 0 included
    mailer: str  # "smtp" | "outbox"
    delivers: bool


class EmailAdminService:
    def __init__(self, db: Database, clock: Clock, sender: EmailSender, *, page_size: int = PAGE_SIZE) -> None:
        self.db, self.clock, self.sender, self.page_size = db, clock, sender, page_size

    def summary(self, actor: UserView) -> OutboxSummary:
        with self.db.reader() as uow:
            require_admin(uow, actor, REFUSAL)
            counts = uow.of(EmailOutboxRepository).counts()
        return OutboxSummary(
            {s: counts.get(s, 0) for s in STATUSES}, self.sender.mailer.name, self.sender.mailer.delivers
        )

    def messages(self, actor: UserView, before_id: int | None = None) -> Page[OutboxItem]:
        """The newest messages first, `page_size` at a time; `before_id` is the pager's cursor."""
        with self.db.reader() as uow:
            require_admin(uow, actor, REFUSAL)
            repo = uow.of(EmailOutboxRepository)
            rows = repo.newest(before_id, self.page_size + 1)
            total = sum(repo.counts().values())
        return keyset_page([_item(row) for row in rows], self.page_size, total)

    def open(self, actor: UserView, message_id: int, *, audited: bool = True) -> OpenedMessage:
        """One message with its body. Every opening is audited before anything is shown; a page showing the same
        message again on a rerun passes `audited=False`."""
        with self.db.uow() as uow:
            require_admin(uow, actor, REFUSAL)
            row = uow.of(EmailOutboxRepository).get(message_id)
            if row is None:
                raise NotFoundError("There is no such message (it may have been deleted after its retention).")
            if audited:
                subject = f"user:{row.user_id}" if row.user_id is not None else f"email:{message_id}"
                audit.record(uow, self.clock(), actor.id, "email.viewed", subject, message=message_id, kind=row.kind)
                uow.commit()
        return OpenedMessage(_item(row), row.body, self.sender.message_id(row))

    def send_now(self, actor: UserView) -> int:
        """Run the sender once, as the worker would; how many messages went (or were kept)."""
        with self.db.reader() as uow:
            require_admin(uow, actor, REFUSAL)
        return self.sender.run()


def _item(row: OutboxMessage) -> OutboxItem:
    assert row.id is not None
    return OutboxItem(
        id=row.id,
        recipient=row.recipient,
        subject=row.subject,
        kind=row.kind,
        purpose=row.purpose,
        status=row.status,
        attempts=row.attempts,
        last_error=row.last_error,
        created_at=row.created_at,
        sent_at=row.sent_at,
        user_id=row.user_id,
    )
