"""Admin → Outbox through its page, with the embedded default mailer: the counts, the newest messages a page at a
time, "Send queued now" keeping them in the outbox, opening one to read it (audited), and a user refused."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import select
from streamlit.testing.v1 import AppTest

from core.bootstrap import Container
from core.domain.email import MessageKind
from core.domain.privacy import Purpose
from core.services.email_outbox import enqueue
from core.services.privacy import PrivacyService
from db.tables import AuditEntry
from tests.factories import sign_up
from tests.markdown import unescape

ADMIN = "admin@example.com"
PAGE = "pages/admin_outbox.py"


def click(at: AppTest, label: str) -> AppTest:
    [button] = [b for b in at.button if b.label == label][:1]
    return button.click().run()


def texts(at: AppTest) -> str:
    kinds = ("title", "markdown", "caption", "info", "warning", "error", "text", "subheader")
    return unescape(" | ".join(str(e.value) for kind in kinds for e in at.get(kind)))


def test_an_admin_sees_the_queued_mail_keeps_it_and_reads_one_and_the_reading_is_audited(
    app_settings: Container, open_app: Callable[..., AppTest]
) -> None:
    c = app_settings
    alice = sign_up(c, "alice@example.com")
    c.of(PrivacyService).set_choice(alice, Purpose.PRODUCT_EMAIL, True)
    at = open_app(ADMIN, script=PAGE)
    assert [t.value for t in at.title] == ["Outbox"]
    shown = texts(at)
    assert "Queued 1 · Sending 0 · Sent 0 · Kept 0 · Failed 0" in shown.replace("**", "")
    assert "nothing leaves this machine" in shown
    assert "Your privacy choice changed: Product emails" in shown and "To alice@example.com · account" in shown

    at = click(at, "Send queued now")
    assert "Kept 1" in texts(at).replace("**", "")
    assert [b for b in at.button if b.label == "Send queued now"][0].disabled

    at = click(at, "Open")
    assert any('"Product emails" is now on' in t.value for t in at.text)
    assert "Message-ID <outbox-1-" in texts(at)
    at.run()  # a rerun with the message still open reads it again, and is not a second reading to audit
    assert any('"Product emails" is now on' in t.value for t in at.text)
    with c.db.reader() as uow:
        [entry] = [e for e in uow.session.exec(select(AuditEntry)).all() if e.action == "email.viewed"]
    assert entry.subject == f"user:{alice.id}"
    at = click(at, "Close")
    assert not at.text


def test_the_newest_messages_come_first_and_older_ones_a_page_away(
    app_settings: Container, open_app: Callable[..., AppTest]
) -> None:
    c = app_settings
    alice = sign_up(c, "alice@example.com")
    with c.db.uow() as uow:
        for n in range(30):
            facts = {"reference": f"REF{n:02d}", "erase_after": "1 May 2027"}
            enqueue(uow, alice.id, MessageKind.ERASURE_SCHEDULED, c.clock(), facts, key=f"test:{n}")
        uow.commit()
    at = open_app(ADMIN, script=PAGE)
    assert "Page 1 of 2 · 30 in all" in texts(at)
    assert len([b for b in at.button if b.label == "Open"]) == 25
    at = click(at, "Older →")
    assert len([b for b in at.button if b.label == "Open"]) == 5


def test_a_user_opening_the_outbox_is_refused_and_sees_no_mail(
    app_settings: Container, open_app: Callable[..., AppTest]
) -> None:
    alice = sign_up(app_settings, "alice@example.com")
    app_settings.of(PrivacyService).set_choice(alice, Purpose.PRODUCT_EMAIL, True)
    at = open_app("alice@example.com", script=PAGE)
    assert [t.value for t in at.title] == ["Not available"]
    assert "This page is for admins." in texts(at)
    assert "Product emails" not in texts(at)
    assert [b.label for b in at.button] == ["Sign out"]
