"""Admin → Outbox: every email the app queued, newest first, with counts by status. Opening one shows its words (an
admin reading a user's mail: audited); "Send queued now" runs the sender once. In the embedded default
(MAILER=outbox) nothing is sent, and this page is where the mail is read."""

from __future__ import annotations

import streamlit as st

from core.bootstrap import app_container
from core.domain import Role
from core.errors import AtelierError
from core.services.email_admin import EmailAdminService, OpenedMessage, OutboxItem
from core.text import plural
from pages.components.flash import flash
from pages.components.guard import require_user
from pages.components.paging import current_cursor, pager
from pages.components.safe_text import escape_markdown

admin = require_user(Role.ADMIN)
service = app_container().of(EmailAdminService)
OPENED = "admin.outbox.opened"  # the id of the message on screen (never its words: they stay in the database)
AUDITED = "admin.outbox.audited"  # the message whose opening was last written to the audit log
STATUS_TITLES = {"queued": "Queued", "sending": "Sending", "sent": "Sent", "kept": "Kept", "failed": "Failed"}


def _open(message_id: int) -> None:
    st.session_state[OPENED] = message_id
    st.session_state.pop(AUDITED, None)  # each click is a reading of its own


def _close() -> None:
    st.session_state.pop(OPENED, None)


def _opened() -> OpenedMessage | None:
    """The message on screen, read again on each run; its opening is audited once per click."""
    message_id: int | None = st.session_state.get(OPENED)
    if message_id is None:
        return None
    try:
        opened = service.open(admin, message_id, audited=st.session_state.get(AUDITED) != message_id)
    except AtelierError as exc:
        st.session_state.pop(OPENED, None)
        st.error(escape_markdown(str(exc)))
        return None
    st.session_state[AUDITED] = message_id
    return opened


def _send_now() -> None:
    try:
        sent = service.send_now(admin)
    except AtelierError as exc:
        flash(str(exc))
        return
    flash(f"{plural(sent, 'message')} {'sent' if service.sender.delivers else 'kept in the outbox'}.")


def _recipient(item: OutboxItem) -> str:
    return escape_markdown(item.recipient) if item.recipient else "an erased account (address deleted)"


def _when(item: OutboxItem) -> str:
    queued = f"queued {item.created_at:%Y-%m-%d %H:%M}"
    return queued + (f", {item.status} {item.sent_at:%Y-%m-%d %H:%M} UTC" if item.sent_at else " UTC")


def _show(opened: OpenedMessage) -> None:
    item = opened.item
    with st.container(border=True, key="admin.outbox.viewer"):
        st.subheader(escape_markdown(item.subject), anchor=False)
        st.markdown(f"To {_recipient(item)} · {item.purpose} · {STATUS_TITLES.get(item.status, item.status)}")
        st.caption(f"{_when(item)} · Message-ID {escape_markdown(opened.message_id)}")
        st.text(opened.body or "(The body was deleted with the account.)")  # plain text, as it is sent
        st.button("Close", key="admin.outbox.close", on_click=_close)


st.title("Outbox")
summary = service.summary(admin)
if summary.delivers:
    st.caption("Emails are sent through SMTP by the worker, within seconds; failures are retried.")
else:
    st.caption(
        "The embedded default (MAILER=outbox): nothing leaves this machine. Every email is kept here to read; "
        "set MAILER=smtp and SMTP_HOST to send them."
    )
st.markdown(" · ".join(f"{STATUS_TITLES[s]} **{n:,}**" for s, n in summary.counts.items()))
st.button(
    "Send queued now",
    key="admin.outbox.send",
    icon=":material/send:",
    on_click=_send_now,
    disabled=not (summary.counts["queued"] or summary.counts["sending"]),
)

opened = _opened()
if opened is not None:
    _show(opened)

page = service.messages(admin, before_id=current_cursor("admin.outbox"))
if not page.items:
    st.info("No email has been queued yet.")
else:
    for item in page.items:
        with st.container(horizontal=True, vertical_alignment="center", gap="small"):
            error = f" · last error: {escape_markdown(item.last_error)}" if item.last_error else ""
            st.markdown(
                f"**{escape_markdown(item.subject)}**  \nTo {_recipient(item)} · {item.purpose} · "
                f"{STATUS_TITLES.get(item.status, item.status)} · {plural(item.attempts, 'attempt')}{error}  \n"
                f"{_when(item)}"
            )
            st.button("Open", key=f"admin.outbox.open.{item.id}", on_click=_open, args=(item.id,))
    pager("admin.outbox", page.next_cursor, page.total, service.page_size)
