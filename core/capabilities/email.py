"""Email: the outbox every message is queued in, in the transaction that caused it; the mailer the settings choose
(SMTP, or the embedded default that keeps every message in the outbox); the worker's sender; Admin →
Outbox; the retention rule for old messages; and the map's entry for the outbox."""

from __future__ import annotations

from datetime import datetime

from core.adapters.outbox_mailer import OutboxMailer
from core.adapters.smtp_mailer import SmtpMailer
from core.container import Container
from core.personal_data import Category, OnErasure, PersonalData, count_rows, delete_rows
from core.ports import Mailer
from core.registry import Capability, PeriodicTask, RetentionRule
from core.services.email_admin import EmailAdminService
from core.services.email_sender import EmailSender, forget_finished
from core.settings import Settings

SEND_SECONDS = 5.0  # a queued message leaves within seconds


def mailer(settings: Settings) -> Mailer:
    if settings.mailer == "smtp":
        return SmtpMailer(
            settings.smtp_host,
            settings.smtp_port,
            security=settings.smtp_security,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value(),
            timeout=settings.smtp_timeout_seconds,
        )
    return OutboxMailer()


def email_sender(c: Container) -> EmailSender:
    return EmailSender(c.db, c.clock, mailer(c.settings), c.settings.mail_from)


def email_admin(c: Container) -> EmailAdminService:
    return EmailAdminService(c.db, c.clock, c.of(EmailSender))


def every_few_seconds(settings: Settings) -> float:
    return min(SEND_SECONDS, max(settings.worker_interval_seconds, 1.0))


def _forget_old(c: Container, now: datetime) -> int:
    return forget_finished(c.db, now, c.settings.outbox_retention_days)


PERSONAL_DATA = (
    PersonalData(
        "table:email_outbox",
        Category.ACCOUNT,
        "The emails we sent you or are about to: to which address, what they said, and when",
        "emails.csv",
        OnErasure.DELETE,
        20,
        delete_rows("email_outbox"),
        count_rows("email_outbox"),
    ),
)

CAPABILITY = Capability(
    name="email",
    services={EmailSender: email_sender, EmailAdminService: email_admin},
    tasks=(
        PeriodicTask(
            "send queued emails", every_few_seconds, lambda c: c.of(EmailSender).run(), "Sent %d queued emails"
        ),
    ),
    personal_data=PERSONAL_DATA,
    retention=(
        RetentionRule(
            "outbox",
            lambda s: f"Emails sent, kept or given up on, {s.outbox_retention_days} days after they were queued",
            _forget_old,
        ),
    ),
)
