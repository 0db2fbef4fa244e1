"""Mailer of the embedded default (MAILER=outbox): nothing leaves the machine."""

from __future__ import annotations

from collections.abc import Mapping


class OutboxMailer:
    """The embedded default: nothing leaves the machine. The sender marks each message `kept`, and Admin → Outbox
    shows it, so every email can be read offline."""

    name = "outbox"
    delivers = False

    def send(self, sender: str, recipient: str, subject: str, body: str, headers: Mapping[str, str]) -> None:
        return None
