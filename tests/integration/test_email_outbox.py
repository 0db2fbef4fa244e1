"""The outbox, on SQLite and PostgreSQL, with the embedded default mailer (nothing leaves the machine): the
messages privacy actions queue in their own transaction (a consent change, an erasure scheduled and done), what
restriction holds back and what the law sends anyway, the erased account's last message losing its address once
it left the queue, emails.csv in the export, and the retention rule deleting only old finished messages."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from core.bootstrap import Container
from core.domain.email import MessageKind
from core.domain.privacy import Purpose
from core.errors import MailError
from core.registry import retention_rules
from core.services.email_outbox import enqueue
from core.services.email_sender import EmailSender
from core.services.erasure import ErasureService
from core.services.privacy import PrivacyService
from db.repositories.email_outbox import EmailOutboxRepository
from db.tables import OutboxMessage
from tests.factories import MovableClock, sign_up
from tests.integration.test_privacy_export import everything, table

ALICE = "alice@example.com"
LAW = "We are required by law to send you this message"


def mailbox(c: Container, user_id: int) -> list[OutboxMessage]:
    with c.db.reader() as uow:
        return uow.of(EmailOutboxRepository).for_user(user_id)


def every_message(c: Container) -> list[OutboxMessage]:
    with c.db.reader() as uow:
        return list(uow.session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all())  # type: ignore[arg-type]


def test_a_consent_change_queues_its_confirmation_once_and_restriction_holds_account_messages_back(
    containers: Callable[..., Container], database_url: str
) -> None:
    c = containers(database_url)
    alice = sign_up(c, ALICE)
    privacy = c.of(PrivacyService)
    privacy.set_choice(alice, Purpose.PRODUCT_EMAIL, True)
    privacy.set_choice(alice, Purpose.PRODUCT_EMAIL, True)  # no change: no second message
    [confirmation] = mailbox(c, alice.id)
    assert (confirmation.kind, confirmation.purpose, confirmation.recipient) == ("consent_changed", "account", ALICE)
    assert confirmation.subject == "Your privacy choice changed: Product emails"
    assert '"Product emails" is now on' in confirmation.body
    assert LAW not in confirmation.body

    privacy.set_choice(alice, Purpose.RESTRICTION, True)
    privacy.set_choice(alice, Purpose.ANALYTICS, True)
    assert len(mailbox(c, alice.id)) == 1  # restricted: nothing the law does not require
    privacy.set_choice(alice, Purpose.RESTRICTION, False)
    assert [m.subject for m in mailbox(c, alice.id)][0] == "Your privacy choice changed: Restrict processing"


def test_a_legal_message_is_queued_while_restricted_and_says_the_law_requires_it(
    containers: Callable[..., Container], database_url: str
) -> None:
    # A leap day: scheduled on 22 February 2028 with seven days' grace, the erasure falls on the 29th.
    clock = MovableClock(datetime(2028, 2, 22, 23, 30, tzinfo=UTC))
    c = containers(database_url, clock=clock, erasure_grace_days=7)
    alice = sign_up(c, ALICE)
    c.of(PrivacyService).set_choice(alice, Purpose.RESTRICTION, True)
    scheduled = c.of(ErasureService).schedule(alice, ALICE)
    c.of(ErasureService).schedule(alice, ALICE)  # asking twice queues nothing more
    [message] = mailbox(c, alice.id)
    assert (message.kind, message.purpose) == ("erasure_scheduled", "legal")
    assert message.subject == "Your Atelier account will be erased on 29 February 2028"
    assert scheduled.reference in message.body
    assert LAW in message.body


def test_the_erasure_done_message_goes_to_the_address_the_account_had_and_then_forgets_it(
    containers: Callable[..., Container], database_url: str
) -> None:
    c = containers(database_url, erasure_grace_days=0)
    alice = sign_up(c, ALICE)
    scheduled = c.of(ErasureService).schedule(alice, ALICE)
    assert c.of(ErasureService).run_due() == 1

    [done] = every_message(c)  # the scheduled message went with the account's other rows
    assert (done.kind, done.purpose, done.user_id, done.recipient) == ("erasure_done", "legal", None, ALICE)
    assert scheduled.reference in done.body and LAW in done.body
    assert c.of(EmailSender).run() == 1
    [kept] = every_message(c)
    assert (kept.status, kept.recipient, kept.body) == ("kept", "", "")
    assert kept.subject == "Your Atelier account has been erased"


def test_the_embedded_default_keeps_every_message_in_the_outbox(
    containers: Callable[..., Container], database_url: str
) -> None:
    c = containers(database_url)
    alice = sign_up(c, ALICE)
    c.of(PrivacyService).set_choice(alice, Purpose.ANALYTICS, True)
    sender = c.of(EmailSender)
    assert sender.delivers is False
    assert sender.run() == 1
    assert sender.run() == 0
    [kept] = mailbox(c, alice.id)
    assert (kept.status, kept.recipient, kept.attempts) == ("kept", ALICE, 1)
    assert "Analytics of my usage" in kept.body


def test_the_export_lists_the_users_emails(containers: Callable[..., Container], database_url: str) -> None:
    c = containers(database_url)
    alice, bob = sign_up(c, ALICE), sign_up(c, "bob@example.com")
    c.of(PrivacyService).set_choice(alice, Purpose.PRODUCT_EMAIL, True)
    c.of(PrivacyService).set_choice(bob, Purpose.ANALYTICS, True)
    c.of(EmailSender).run()
    header, rows = table(everything(c, alice), "emails.csv")
    assert header == ["created_at", "kind", "purpose", "subject", "status", "sent_at"]
    assert [(r["kind"], r["purpose"], r["subject"], r["status"]) for r in rows] == [
        ("consent_changed", "account", "Your privacy choice changed: Product emails", "kept")
    ]


def test_the_outbox_rule_deletes_only_finished_messages_past_the_retention_period(
    containers: Callable[..., Container], database_url: str
) -> None:
    # Queued before the clocks change in Europe (28 March 2027), swept after: days are counted in UTC.
    start = datetime(2027, 3, 10, 0, 30, tzinfo=UTC)
    clock = MovableClock(start)
    c = containers(database_url, clock=clock, outbox_retention_days=30)
    alice = sign_up(c, ALICE)
    with c.db.uow() as uow:
        for n in range(3):
            facts = {"reference": f"R{n}", "erase_after": "1 May 2027"}
            enqueue(uow, alice.id, MessageKind.ERASURE_SCHEDULED, start, facts, key=f"test:{n}")
        uow.commit()
    sender = c.of(EmailSender)
    assert sender.run() == 3
    c.of(PrivacyService).set_choice(alice, Purpose.ANALYTICS, True)  # queued now, left queued
    with c.db.uow() as uow:
        enqueue(uow, alice.id, MessageKind.ERASURE_SCHEDULED, start, {"reference": "Q", "erase_after": "x"}, key="q")
        uow.commit()  # queued on the first day and never sent: not finished, so kept
    [rule] = [r for r in retention_rules() if r.name == "outbox"]
    assert "30 days" in rule.describe(c.settings)

    assert rule.run(c, start + timedelta(days=30) - timedelta(seconds=1)) == 0
    assert rule.run(c, start + timedelta(days=30, seconds=1)) == 3
    assert sorted((m.status, m.kind) for m in mailbox(c, alice.id)) == [
        ("queued", "consent_changed"),
        ("queued", "erasure_scheduled"),
    ]


class RefusesForGood:
    """A server that refuses every recipient with a 5xx."""

    name, delivers = "smtp", True

    def send(self, sender: str, recipient: str, subject: str, body: str, headers: Mapping[str, str]) -> None:
        raise MailError("SMTP 550", permanent=True)


def test_an_erased_accounts_last_message_given_up_on_forgets_the_address_too(
    containers: Callable[..., Container], database_url: str
) -> None:
    c = containers(database_url, erasure_grace_days=0)
    c.of(ErasureService).schedule(sign_up(c, ALICE), ALICE)
    c.of(ErasureService).run_due()
    assert EmailSender(c.db, c.clock, RefusesForGood(), c.settings.mail_from).run() == 0
    [failed] = every_message(c)
    assert (failed.kind, failed.status, failed.last_error) == ("erasure_done", "failed", "SMTP 550")
    assert (failed.recipient, failed.body) == ("", "")
