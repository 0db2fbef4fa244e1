"""Admin → Privacy queue: one request opened (its words and the person's address), and the actions that fit its
kind and status: start, complete with an answer, deny with a reason, extend with a reason (the new due date shown
before confirming), and run the export or the erasure for them."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from core.bootstrap import app_container
from core.domain import UserView
from core.domain.privacy_requests import RequestStatus
from core.errors import AtelierError
from core.services.privacy_fulfilment import PrivacyFulfilmentService
from core.services.privacy_queue import PrivacyQueueService, QueueItem, when
from core.services.privacy_views import RequestDetail, RequestView
from pages.components.flash import flash
from pages.components.safe_text import escape_markdown

KEY = "admin.privacy"
OPENED_KEY = f"{KEY}.audited"  # the request whose opening was last written to the audit log
ANSWERS = {RequestStatus.COMPLETED: "Complete", RequestStatus.DENIED: "Deny"}
MONTHS = {1: "One month", 2: "Two months"}


def render(service: PrivacyQueueService, admin: UserView, item: QueueItem) -> None:
    chosen = item.request.id
    try:
        opened = service.open_request(admin, chosen, audited=st.session_state.get(OPENED_KEY) != chosen)
        st.session_state[OPENED_KEY] = chosen
    except AtelierError as exc:
        st.error(escape_markdown(str(exc)))
        return
    _show(opened, item)
    request = opened.request
    if not request.open:
        return
    if request.status == RequestStatus.RECEIVED:
        _act(lambda: service.start(admin, request.id), "Start", f"Request {request.reference} is in progress.")
    _run_for_them(admin, request)
    _answer(service, admin, request)
    _extend(service, admin, request)


def _show(detail: RequestDetail, item: QueueItem) -> None:
    request = detail.request
    st.subheader(f"Request {request.reference}", anchor=False)
    asker = escape_markdown(detail.email) if detail.email else "an erased account"
    urgent = " **Urgent.**" if request.urgent else ""
    st.markdown(
        f"**{escape_markdown(request.what)}** from {asker}, received {when(request.received_at)}"
        f" ({'self-service' if request.channel == 'self_service' else 'by ' + request.channel}).{urgent}"
    )
    if request.detail:
        st.text(request.detail)  # the user's own words, shown as they are
    if request.open:
        st.markdown(f"**{request.status_title}.** Answer by {when(request.due_at)} ({item.mark.words.lower()}).")
    if request.extended_at is not None:
        st.markdown(
            f"Extended from {when(request.original_due_at)}. Reason: {escape_markdown(request.extension_reason)}"
        )
    if not request.open:
        answer = f" Answer: {escape_markdown(request.answer)}" if request.answer else ""
        st.markdown(f"**{request.status_title}.**{answer}")


def _act(action: Callable[[], object], label: str, done: str, icon: str | None = None, busy: str = "") -> None:
    """A button that runs one service action, says what it did on the next run, or shows why it could not."""
    if st.button(label, key=f"{KEY}.{label}", icon=icon):
        try:
            with st.spinner(busy or "Working…"):
                action()
            flash(done)
            st.rerun()
        except AtelierError as exc:
            st.error(escape_markdown(str(exc)))


def _run_for_them(admin: UserView, request: RequestView) -> None:
    fulfil = app_container().of(PrivacyFulfilmentService)
    if request.kind == "access":
        st.caption("Builds their full download and keeps it for them in their privacy centre; they are emailed.")
        _act(
            lambda: fulfil.run_export(admin, request.id), "Run the export for them",
            f"Request {request.reference} completed: the download waits in their privacy centre.",
            icon=":material/folder_zip:", busy="Preparing the export…",
        )  # fmt: skip
    if request.kind == "erasure":
        st.caption("Schedules the account's erasure after the usual grace period; signing in can still cancel it.")
        _act(
            lambda: fulfil.run_erasure(admin, request.id), "Run the erasure for them",
            f"Request {request.reference} completed: the account's erasure is scheduled.",
            icon=":material/delete_forever:",
        )  # fmt: skip


def _answer(service: PrivacyQueueService, admin: UserView, request: RequestView) -> None:
    with st.form(f"{KEY}.answer.{request.id}"):
        answer = st.text_area(
            "Answer, or the reason for a denial (the user reads it in their privacy centre and by email)",
            max_chars=service.max_request_chars,
            key=f"{KEY}.answer_text.{request.id}",
        )
        status = st.radio("Outcome", list(ANSWERS), format_func=ANSWERS.__getitem__, horizontal=True)
        if st.form_submit_button("Send answer") and status is not None:
            try:
                service.answer(admin, request.id, answer, status)
                flash(f"Request {request.reference}: {ANSWERS[status].lower()}d, and the user is told.")
                st.rerun()
            except AtelierError as exc:
                st.error(escape_markdown(str(exc)))


def _extend(service: PrivacyQueueService, admin: UserView, request: RequestView) -> None:
    with st.expander("Extend the deadline", icon=":material/more_time:"):
        months = st.radio(
            "New due date: after the original one by",
            list(MONTHS),
            format_func=MONTHS.__getitem__,
            horizontal=True,
            key=f"{KEY}.extend_months.{request.id}",
        )
        try:
            new_due = service.extension(admin, request.id, months or 1)
        except AtelierError as exc:
            st.warning(escape_markdown(str(exc)))
            return
        st.markdown(f"New due date: **{when(new_due)}** (the original was {when(request.original_due_at)}).")
        reason = st.text_area("Reason (the user reads it)", max_chars=300, key=f"{KEY}.extend_reason.{request.id}")
        if st.button("Extend and tell the user", key=f"{KEY}.extend.{request.id}"):
            try:
                service.extend(admin, request.id, months or 1, reason)
                flash(f"Request {request.reference} is due {when(new_due)} now; the user is emailed why.")
                st.rerun()
            except AtelierError as exc:
                st.error(escape_markdown(str(exc)))
