"""Email over SMTP to a real server (aiosmtpd on 127.0.0.1), on SQLite and PostgreSQL: a queued message arrives
once with its headers; a server that answers 421 or 451 is tried again later and then gets it once; a 550 refusal
is given up at once; an unreachable server is retried until the attempts run out. "Nothing is sent twice" means:
two senders at once never both send a message (the claim is a conditional update), and a sender that dies after
sending and before marking leaves it to its lease, after which it is sent once more under the same Message-ID."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Mapping

import pytest
from sqlmodel import select

from core.adapters.smtp_mailer import SmtpMailer
from core.bootstrap import Container
from core.domain.privacy import Purpose
from core.services.email_sender import LEASE_SECONDS, EmailSender
from core.services.privacy import PrivacyService
from db.tables import OutboxMessage
from tests.factories import MovableClock, sign_up
from tests.races import at_once
from tests.smtp_server import SmtpServer, free_port

SENDER = "Atelier <no-reply@atelier.test>"
ALICE = "alice@example.com"
MESSAGE_ID = re.compile(r"<outbox-\d+-[0-9a-f]{16}@atelier\.test>")


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def mail(containers: Callable[..., Container], database_url: str, smtp: SmtpServer, clock: MovableClock) -> Container:
    return containers(
        database_url,
        clock=clock,
        mailer="smtp",
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_security="none",
        smtp_timeout_seconds=5,
        mail_from=SENDER,
    )


def queue_one(c: Container, email: str = ALICE) -> None:
    """A real cause: switching product emails on queues its confirmation."""
    c.of(PrivacyService).set_choice(sign_up(c, email), Purpose.PRODUCT_EMAIL, True)


def outbox(c: Container) -> list[OutboxMessage]:
    with c.db.reader() as uow:
        return list(uow.session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all())  # type: ignore[arg-type]


def test_a_queued_email_arrives_once_with_its_headers(mail: Container, smtp: SmtpServer) -> None:
    queue_one(mail)
    sender = mail.of(EmailSender)
    assert sender.run() == 1
    assert sender.run() == 0

    [message] = smtp.received
    assert message["From"] == SENDER
    assert message["To"] == ALICE
    assert message["Subject"] == "Your privacy choice changed: Product emails"
    assert MESSAGE_ID.fullmatch(message["Message-ID"])
    assert message["X-Atelier-Purpose"] == "account"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Date"]
    assert '"Product emails" is now on' in message.get_payload(decode=True).decode()
    [row] = outbox(mail)
    assert (row.status, row.attempts, row.sent_at) == ("sent", 1, mail.clock())


@pytest.mark.parametrize("refusal", ["421 4.7.0 Too busy, try later", "451 4.3.0 Try again later"])
def test_a_server_that_asks_to_try_later_gets_the_message_later_and_once(
    mail: Container, smtp: SmtpServer, clock: MovableClock, refusal: str
) -> None:
    queue_one(mail)
    smtp.handler.replies = [refusal]
    sender = mail.of(EmailSender)
    assert sender.run() == 0
    [row] = outbox(mail)
    assert (row.status, row.attempts, row.last_error) == ("queued", 1, f"SMTP {refusal[:3]}")
    assert sender.run() == 0  # not due yet: it backs off
    assert smtp.received == []

    clock.advance(seconds=30)
    assert sender.run() == 1
    assert sender.run() == 0
    assert [m["To"] for m in smtp.received] == [ALICE]
    [row] = outbox(mail)
    assert (row.status, row.attempts) == ("sent", 2)


def test_a_recipient_the_server_refuses_for_good_is_given_up_at_once(
    mail: Container, smtp: SmtpServer, clock: MovableClock
) -> None:
    queue_one(mail)
    smtp.handler.refuse = {ALICE}
    sender = mail.of(EmailSender)
    assert sender.run() == 0
    clock.advance(days=1)
    assert sender.run() == 0
    [row] = outbox(mail)
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "SMTP 550")
    assert smtp.received == []


def test_a_message_the_server_refuses_for_good_is_given_up_and_a_refused_sender_is_retried(
    mail: Container, smtp: SmtpServer, clock: MovableClock
) -> None:
    queue_one(mail)
    queue_one(mail, "bob@example.com")
    smtp.handler.replies = ["554 5.7.1 Message refused"]
    sender = mail.of(EmailSender)
    assert sender.run() == 1  # the first is refused for good, the second goes
    assert [(m.status, m.last_error) for m in outbox(mail)] == [("failed", "SMTP 554"), ("sent", "")]

    queue_one(mail, "carol@example.com")
    smtp.handler.refuse_sender = True  # our MAIL_FROM is refused: our configuration, so it is tried again
    assert sender.run() == 0
    assert (outbox(mail)[-1].status, outbox(mail)[-1].last_error) == ("queued", "SMTP 553")
    smtp.handler.refuse_sender = False
    clock.advance(seconds=30)
    assert sender.run() == 1
    assert [m["To"] for m in smtp.received] == ["bob@example.com", "carol@example.com"]


def test_an_unreachable_server_is_retried_with_backoff_until_the_attempts_run_out(
    mail: Container, clock: MovableClock
) -> None:
    queue_one(mail)
    nowhere = SmtpMailer("127.0.0.1", free_port(), security="none", timeout=5)
    sender = EmailSender(mail.db, clock, nowhere, SENDER, max_attempts=3)
    waits = []
    for _ in range(3):
        assert sender.run() == 0
        [row] = outbox(mail)
        waits.append(row.next_attempt_at - clock())
        clock.advance(hours=1)
    assert [w.total_seconds() for w in waits[:2]] == [30, 60]
    assert (row.status, row.attempts, row.last_error) == ("failed", 3, "ConnectionRefusedError")
    assert sender.run() == 0


def test_two_senders_at_once_never_both_send_a_message(mail: Container, smtp: SmtpServer) -> None:
    queue_one(mail)
    smtp.handler.hold = True  # the first sender is stuck in the middle of the SMTP exchange
    first, second = mail.of(EmailSender), EmailSender(mail.db, mail.clock, mail.of(EmailSender).mailer, SENDER)
    results: list[int] = []
    worker = threading.Thread(target=lambda: results.append(first.run()))
    worker.start()
    assert smtp.handler.arrived.wait(10)
    assert second.run() == 0  # it is claimed: the other sender has it
    smtp.handler.release.set()
    worker.join(10)
    assert results == [1]
    assert len(smtp.received) == 1
    assert [row.status for row in outbox(mail)] == ["sent"]


def test_many_senders_at_once_send_each_message_exactly_once(mail: Container, smtp: SmtpServer) -> None:
    for n in range(12):
        queue_one(mail, f"person{n}@example.com")
    senders = [EmailSender(mail.db, mail.clock, mail.of(EmailSender).mailer, SENDER) for _ in range(3)]
    counts = at_once(*(sender.run for sender in senders))
    assert sum(counts) == 12
    ids = [m["Message-ID"] for m in smtp.received]
    assert len(ids) == 12 and len(set(ids)) == 12
    assert sorted(m["To"] for m in smtp.received) == sorted(f"person{n}@example.com" for n in range(12))


class Crash(BaseException):
    """The process dies: nothing after it runs, not even the sender's error handling."""


class DiesAfterSending:
    name, delivers = "smtp", True

    def __init__(self, inner: SmtpMailer) -> None:
        self.inner = inner

    def send(self, sender: str, recipient: str, subject: str, body: str, headers: Mapping[str, str]) -> None:
        self.inner.send(sender, recipient, subject, body, headers)
        raise Crash


def test_a_sender_that_dies_after_sending_leaves_the_message_to_its_lease_then_it_goes_once_more_as_itself(
    mail: Container, smtp: SmtpServer, clock: MovableClock
) -> None:
    queue_one(mail)
    smtp_mailer = mail.of(EmailSender).mailer
    assert isinstance(smtp_mailer, SmtpMailer)
    with pytest.raises(Crash):
        EmailSender(mail.db, clock, DiesAfterSending(smtp_mailer), SENDER).run()
    assert [row.status for row in outbox(mail)] == ["sending"]

    restarted = mail.of(EmailSender)
    assert restarted.run() == 0  # the lease is still held: no second copy while the first may be under way
    clock.advance(seconds=LEASE_SECONDS)
    assert restarted.run() == 1
    assert restarted.run() == 0
    first, again = smtp.received
    assert first["Message-ID"] == again["Message-ID"]  # the same message: the receiving side can tell
    [row] = outbox(mail)
    assert (row.status, row.attempts) == ("sent", 2)
