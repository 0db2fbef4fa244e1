"""A real SMTP server for tests: aiosmtpd on 127.0.0.1 at a free port, keeping what it received. Its answers can
be scripted: `replies` are given, one per message, instead of 250 (e.g. "451 4.3.0 Try again later"); addresses
in `refuse` are refused at RCPT with 550 (and every sender at MAIL with 553 when `refuse_sender`); `hold` makes DATA wait until the test releases it."""

from __future__ import annotations

import socket
import threading
from email import message_from_bytes
from email.message import Message
from types import TracebackType
from typing import Any, Self

from aiosmtpd.controller import Controller

WAIT_SECONDS = 10.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Recorder:
    """aiosmtpd's handler: records each accepted message, answers as scripted."""

    def __init__(self) -> None:
        self.received: list[Message] = []
        self.replies: list[str] = []
        self.refuse: set[str] = set()
        self.refuse_sender = False
        self.hold = False
        self.arrived = threading.Event()  # DATA began while held
        self.release = threading.Event()

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if self.refuse_sender:
            return "553 5.7.1 Sender address rejected"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.hold:
            self.arrived.set()
            self.release.wait(WAIT_SECONDS)  # blocks this server's loop: a slow server, as the test wants
        if self.replies:
            return self.replies.pop(0)
        self.received.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self) -> None:
        self.handler = Recorder()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def received(self) -> list[Message]:
        return self.handler.received

    def __enter__(self) -> Self:
        self.controller.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.handler.release.set()
        self.controller.stop()
