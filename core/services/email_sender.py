"""EmailSender: the worker's "send queued emails". Each due message is claimed in its own short
transaction (a conditional update that also counts the attempt, so two senders never both send it), sent with no
transaction open, then marked sent in another. A failure is queued again with the deletion runner's backoff, and
given up after MAX_ATTEMPTS or at once when the server refuses the recipient for good. A sender that dies between
sending and marking leaves the message `sending` until its lease runs out; it is then sent once more, under the
same Message-ID, so the receiving side can tell it is the same message (at least once, never twice at once).

In the embedded default (MAILER=outbox) the mailer sends nothing and each message is marked `kept`: it stays in
the outbox for Admin → Outbox. An erased account's last message (no user any more) keeps neither its address nor
its body once it left the queue."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from email.utils import parseaddr

from core.clock import Clock
from core.errors import MailError
from core.ports import Mailer
from core.services.deletion_runner import retry_delay
from db.compaction import scrub_free_space
from db.repositories.email_outbox import KEPT, SENT, EmailOutboxRepository
from db.tables import OutboxMessage
from db.uow import Database

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 10  # with the backoff (30 s doubling, at most an hour) about four hours of trying
LEASE_SECONDS = 300.0  # longer than any one SMTP exchange can take with its timeouts
BATCH = 50


class EmailSender:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        mailer: Mailer,
        sender: str,
        *,
        max_attempts: int = MAX_ATTEMPTS,
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        self.db, self.clock, self.mailer, self.sender = db, clock, mailer, sender
        self.max_attempts, self.lease = max_attempts, timedelta(seconds=lease_seconds)
        self.host = parseaddr(sender)[1].rpartition("@")[2] or "localhost"

    @property
    def delivers(self) -> bool:
        return self.mailer.delivers

    def run(self, batch: int = BATCH) -> int:
        """Send every message due now, a batch at a time; how many were sent (or kept)."""
        done, erased = 0, False
        while True:
            with self.db.reader() as uow:
                due = uow.of(EmailOutboxRepository).due(self.clock(), batch)
            done += sum(self._attempt(row) for row in due)
            erased = erased or any(row.user_id is None for row in due)
            if len(due) < batch:
                break
        if erased:
            scrub_free_space(self.db)  # an erased account's address, just blanked, leaves no bytes in the file
        return done

    def message_id(self, row: OutboxMessage) -> str:
        """Stable per message: a resend after a crash carries the same id."""
        digest = hashlib.sha256(row.key.encode()).hexdigest()[:16]
        return f"<outbox-{row.id}-{digest}@{self.host}>"

    def _attempt(self, row: OutboxMessage) -> int:
        assert row.id is not None
        if row.attempts >= self.max_attempts:  # its last sender died holding it: no attempt left
            blank = row.user_id is None
            self._write(lambda repo: repo.give_up(row.id or 0, row.attempts, row.last_error or "Gave up", blank=blank))
            return 0
        now = self.clock()
        if not self._write(lambda repo: repo.claim(row.id or 0, row.attempts, now, now + self.lease)):
            return 0  # another sender has it
        attempt = row.attempts + 1
        headers = {
            "Message-ID": self.message_id(row),
            "X-Atelier-Purpose": row.purpose,
            "Auto-Submitted": "auto-generated",
        }
        try:
            self.mailer.send(self.sender, row.recipient, row.subject, row.body, headers)
        except Exception as exc:  # noqa: BLE001 - any failure is retried unless the server refused for good
            self._failed(row, attempt, exc)
            return 0
        status = SENT if self.mailer.delivers else KEPT
        self._write(lambda repo: repo.sent(row.id or 0, attempt, status, self.clock(), blank=row.user_id is None))
        return 1

    def _failed(self, row: OutboxMessage, attempt: int, exc: Exception) -> None:
        permanent = isinstance(exc, MailError) and exc.permanent
        error = str(exc) if isinstance(exc, MailError) else type(exc).__name__  # never the server's own words
        retry_at = None if permanent or attempt >= self.max_attempts else self.clock() + retry_delay(attempt)
        log.warning(
            "Email %d (%s) not sent, attempt %d: %s; %s",
            row.id,
            row.kind,
            attempt,
            error,
            "retried later" if retry_at else "given up",
        )
        self._write(lambda repo: repo.failed(row.id or 0, attempt, error, retry_at, blank=row.user_id is None))

    def _write(self, change: Callable[[EmailOutboxRepository], bool]) -> bool:
        with self.db.uow() as uow:
            done = change(uow.of(EmailOutboxRepository))
            uow.commit()
        return done


def forget_finished(db: Database, now: datetime, days: int) -> int:
    """The retention rule "outbox": sent, kept and failed messages older than `days` are deleted."""
    with db.uow() as uow:
        gone = uow.of(EmailOutboxRepository).delete_finished(now - timedelta(days=days))
        uow.commit()
    return gone
