"""The sender's promises over any run of server answers (Hypothesis): every message ends delivered once or given up,
never delivered after it was given up, never tried more than MAX_ATTEMPTS times, and a message that was delivered
is never sent again."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.domain.email import MessageKind
from core.errors import MailError
from core.services.email_outbox import enqueue
from core.services.email_sender import EmailSender
from db.repositories.email_outbox import EmailOutboxRepository
from tests.factories import MovableClock, make_container, sign_up

PROPERTY = settings(derandomize=True, database=None, deadline=None, max_examples=25)
ANSWERS = st.sampled_from(["250", "451", "421", "550", "down"])


class ScriptedServer:
    """Answers each send with the next scripted answer (then 250), recording what it accepted."""

    name, delivers = "smtp", True

    def __init__(self, answers: list[str]) -> None:
        self.answers = list(answers)
        self.accepted: list[str] = []

    def send(self, sender: str, recipient: str, subject: str, body: str, headers: Mapping[str, str]) -> None:
        answer = self.answers.pop(0) if self.answers else "250"
        if answer == "down":
            raise MailError("ConnectionRefusedError")
        if answer != "250":
            raise MailError(f"SMTP {answer}", permanent=answer.startswith("5"))
        self.accepted.append(headers["Message-ID"])


@PROPERTY
@given(answers=st.lists(ANSWERS, max_size=30), messages=st.integers(1, 4), max_attempts=st.integers(1, 5))
def test_every_message_is_delivered_once_or_given_up_whatever_the_server_answers(
    tmp_path_factory: pytest.TempPathFactory, answers: list[str], messages: int, max_attempts: int
) -> None:
    clock = MovableClock()
    c = make_container(tmp_path_factory.mktemp("mail"), clock=clock)
    user = sign_up(c)
    with c.db.uow() as uow:
        for n in range(messages):
            facts = {"reference": f"R{n}", "erase_after": "1 May 2027"}
            enqueue(uow, user.id, MessageKind.ERASURE_SCHEDULED, clock(), facts, key=f"m:{n}")
        uow.commit()
    server = ScriptedServer(answers)
    sender = EmailSender(c.db, clock, server, "Atelier <a@atelier.test>", max_attempts=max_attempts)
    for _ in range(messages * (max_attempts + 1)):
        sender.run()
        clock.advance(hours=1)  # past the longest backoff

    with c.db.reader() as uow:
        rows = uow.of(EmailOutboxRepository).for_user(user.id)
    assert {row.status for row in rows} <= {"sent", "failed"}
    assert all(1 <= row.attempts <= max_attempts for row in rows)
    delivered = [sender.message_id(row) for row in rows if row.status == "sent"]
    assert sorted(server.accepted) == sorted(delivered)  # each delivered message exactly once, none of the failed
    assert all(
        row.last_error.startswith("SMTP 5") or row.attempts == max_attempts for row in rows if row.status == "failed"
    )
    c.db.engine.dispose()
