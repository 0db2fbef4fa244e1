"""Mailer over SMTP, through the standard library's smtplib: one connection per message, with a timeout.

The worker runs its tasks on a thread of its own (core/worker/loop.py), so a blocking client is enough; an
async client (aiosmtplib) would add a dependency and an event loop for no gain. Failures are sorted for the
outbox: a 5xx refusal of the recipient or of the message is permanent; anything else (4xx, a refused connection,
a timeout, a dropped line, a refused login or sender: our configuration, not the message) is tried again later.
The error kept says only the SMTP code or the failure's type, never the server's words, which often quote the
address."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate

from core.errors import MailError


class SmtpMailer:
    name = "smtp"
    delivers = True

    def __init__(
        self,
        host: str,
        port: int,
        *,
        security: str = "starttls",  # starttls | tls | none
        username: str = "",
        password: str = "",
        timeout: float = 20.0,
    ) -> None:
        self.host, self.port, self.security = host, port, security
        self.username, self.password, self.timeout = username, password, timeout

    def send(self, sender: str, recipient: str, subject: str, body: str, headers: Mapping[str, str]) -> None:
        message = compose(sender, recipient, subject, body, headers)
        try:
            with self._connect() as smtp:
                if self.username:
                    smtp.login(self.username, self.password)
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:  # this address: a 5xx will not change
            codes = [code for code, _ in exc.recipients.values()]
            raise MailError(
                f"SMTP {codes[0] if codes else 'refused'}", permanent=all(c >= 500 for c in codes)
            ) from None
        except smtplib.SMTPDataError as exc:  # this message: a 5xx will not change
            raise MailError(f"SMTP {exc.smtp_code}", permanent=exc.smtp_code >= 500) from None
        except smtplib.SMTPResponseException as exc:
            # A refused login or sender is our configuration, not the message: retried, so fixing it sends them.
            raise MailError(f"SMTP {exc.smtp_code}") from None
        except (smtplib.SMTPException, OSError) as exc:  # refused connection, timeout, dropped line, TLS failure
            raise MailError(type(exc).__name__) from None

    def _connect(self) -> smtplib.SMTP:
        if self.security == "tls":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=ssl.create_default_context())
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.security == "starttls":
            try:
                smtp.starttls(context=ssl.create_default_context())
            except BaseException:
                smtp.close()
                raise
        return smtp


def compose(sender: str, recipient: str, subject: str, body: str, headers: Mapping[str, str]) -> EmailMessage:
    """A plain-text message with the given headers; Date is now unless given."""
    message = EmailMessage()
    message["From"], message["To"] = sender, recipient
    message["Subject"] = " ".join(subject.split())  # a header is one line, whatever the facts held
    message["Date"] = headers.get("Date") or formatdate(usegmt=True)
    for name, value in headers.items():
        if name != "Date":
            message[name] = value
    message.set_content(body)
    return message
