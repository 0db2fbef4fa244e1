"""PrivacyQueueService: Admin → Privacy queue. Every request sorted by deadline with its overdue or due-soon mark;
a request received by email or post logged on the user's behalf; and the steps of answering one: start, extend
(with a reason, at most two months), complete or deny with an answer. Each action checks the admin's role, writes
an audit entry and, where the user must be told, queues the email in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.clock import Clock
from core.domain import UserView
from core.domain.email import MessageKind
from core.domain.privacy_requests import DeadlineMark, RequestStatus, deadline_mark, due_at, extended_due
from core.errors import NotFoundError, ValidationError
from core.services import audit
from core.services.email_outbox import enqueue
from core.services.privacy_requests import RequestKind, record
from core.services.privacy_views import RequestDetail, RequestView, request_view
from core.services.roles import require_admin
from core.stored_text import REQUEST_CHARS, answer_rule, reason_rule, request_rule
from db.repositories.privacy_requests import OPEN, PrivacyRequestRepository
from db.tables import PrivacyRequest
from db.uow import Database, UnitOfWork

QUEUE_LIMIT = 500
ANSWERS = (RequestStatus.COMPLETED, RequestStatus.DENIED)
CHANNELS = {"email": "Email", "post": "Post"}  # how a request reaches staff; self-service ones record themselves
OUTCOMES = {RequestStatus.COMPLETED: "completed", RequestStatus.DENIED: "denied"}
GONE = "No such privacy request."
CLOSED = "This request is not open any more. Reload the queue."


@dataclass(frozen=True)
class QueueItem:
    request: RequestView
    mark: DeadlineMark


def when(moment: datetime | None) -> str:
    """A deadline as the queue, the centre and the emails say it."""
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment is not None else ""


def subject(user_id: int | None, request_id: int) -> str:
    return f"user:{user_id}" if user_id is not None else f"privacy_request:{request_id}"


def find(uow: UnitOfWork, request_id: int) -> PrivacyRequest:
    row = uow.of(PrivacyRequestRepository).get(request_id)
    if row is None:
        raise NotFoundError(GONE)
    return row


def close(
    uow: UnitOfWork, actor: UserView, request_id: int, status: RequestStatus, answer: str, now: datetime,
    artifact: str | None = None,
) -> RequestView:  # fmt: skip
    """Complete or deny an open request in the caller's transaction (the admin's role already checked): the
    answer is recorded, audited, and the user told by email."""
    if status not in ANSWERS:
        raise ValidationError("Complete the request or deny it.")
    find(uow, request_id)
    values: dict[str, object] = {"artifact": artifact} if artifact is not None else {}
    row = uow.of(PrivacyRequestRepository).change(
        request_id, OPEN, status=status.value, answer=answer, handler_id=actor.id, completed_at=now, **values
    )
    if row is None:  # another admin closed it a moment ago
        raise ValidationError("This request was already closed. Reload the queue.")
    view = request_view(row)
    audit.record(
        uow, now, actor.id, "privacy_request.answered", subject(row.user_id, request_id),
        request=request_id, status=status.value,
    )  # fmt: skip
    if row.user_id is not None:
        facts = {"reference": row.reference, "what": view.what, "outcome": OUTCOMES[status], "answer": answer}
        enqueue(uow, row.user_id, MessageKind.REQUEST_COMPLETED, now, facts, key=f"request_completed:{row.reference}")
    return view


class PrivacyQueueService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        response_days: int,
        urgent_hours: int,
        max_request_chars: int = REQUEST_CHARS,
    ) -> None:
        self.db, self.clock = db, clock
        self.response_days, self.urgent_hours = response_days, urgent_hours
        self.max_request_chars = max_request_chars

    def due(self, received: datetime, urgent: bool) -> datetime:
        return due_at(received, urgent=urgent, response_days=self.response_days, urgent_hours=self.urgent_hours)

    def queue(self, actor: UserView, *, open_only: bool = False) -> list[QueueItem]:
        """The open requests soonest due first, each with its mark; then (unless `open_only`) the closed ones."""
        now = self.clock()
        with self.db.reader() as uow:
            require_admin(uow, actor)
            rows = uow.of(PrivacyRequestRepository).queue(QUEUE_LIMIT, open_only=open_only)
            views = [request_view(r) for r in rows]
        return [QueueItem(v, deadline_mark(v.due_at, now, open_=v.open)) for v in views]

    def open_request(self, actor: UserView, request_id: int, *, audited: bool = True) -> RequestDetail:
        """One request with its words and the asker's address. Staff reading it is audited ("privacy_request.
        viewed"); a page showing the same request again on a rerun passes `audited=False`."""
        with self.db.uow() as uow:
            require_admin(uow, actor)
            row = find(uow, request_id)
            asker = uow.users.get(row.user_id) if row.user_id is not None else None
            detail = RequestDetail(request_view(row), asker.email if asker is not None else "")
            if audited:
                where = subject(row.user_id, request_id)
                audit.record(uow, self.clock(), actor.id, "privacy_request.viewed", where, request=request_id)
                uow.commit()
        return detail

    def log_request(
        self, actor: UserView, email: str, kind: RequestKind, words: str, channel: str, *, urgent: bool = False
    ) -> RequestView:
        """A request that came by email or post, logged on the user's behalf: received, due by the rule, and the
        user told by email that we have it and when we will answer."""
        if channel not in CHANNELS:
            raise ValidationError("Say how the request arrived: by email or by post.")
        text = request_rule(self.max_request_chars).clean(words)
        now = self.clock()
        with self.db.uow() as uow:
            require_admin(uow, actor)
            user = uow.users.by_email(email)
            if user is None or user.id is None:
                raise NotFoundError("No account has that email address. Check it against the letter or email.")
            row = record(
                uow, user.id, kind, now, status=RequestStatus.RECEIVED, detail=text, channel=channel,
                due=self.due(now, urgent), urgent=urgent,
            )  # fmt: skip
            view = request_view(row)
            assert row.id is not None
            audit.record(
                uow, now, actor.id, "privacy_request.logged", subject(user.id, row.id),
                request=row.id, kind=kind.value, channel=channel, urgent=urgent,
            )  # fmt: skip
            facts = {"reference": row.reference, "what": view.what, "due": when(row.due_at)}
            enqueue(uow, user.id, MessageKind.REQUEST_RECEIVED, now, facts, key=f"request_received:{row.reference}")
            uow.commit()
        return view

    def start(self, actor: UserView, request_id: int) -> RequestView:
        """Take a received request: in progress, with this admin as its handler."""
        now = self.clock()
        with self.db.uow() as uow:
            require_admin(uow, actor)
            find(uow, request_id)
            row = uow.of(PrivacyRequestRepository).change(
                request_id, (RequestStatus.RECEIVED.value,), status=RequestStatus.IN_PROGRESS.value, handler_id=actor.id
            )
            if row is None:
                raise ValidationError("Only a received request can be started. Reload the queue.")
            audit.record(
                uow, now, actor.id, "privacy_request.started", subject(row.user_id, request_id), request=request_id
            )
            view = request_view(row)
            uow.commit()
        return view

    def answer(self, actor: UserView, request_id: int, answer: str, status: RequestStatus) -> RequestView:
        """Complete or deny an open request with an answer the user reads in their privacy centre and by email.
        A denial's answer is its reason, and is required like any answer."""
        now = self.clock()
        with self.db.uow() as uow:
            require_admin(uow, actor)
            text = answer_rule(self.max_request_chars).clean(answer)
            view = close(uow, actor, request_id, status, text, now)
            uow.commit()
        return view

    def extension(self, actor: UserView, request_id: int, months: int) -> datetime:
        """The due date an extension of `months` would give, shown before the admin confirms (nothing written)."""
        with self.db.reader() as uow:
            require_admin(uow, actor)
            row = find(uow, request_id)
            return _extended(row, months)

    def extend(self, actor: UserView, request_id: int, months: int, reason: str) -> RequestView:
        """Move an open request's due date to `months` months after its original one (at most two), with a reason
        the user reads; the user is told by email (a message the law requires, sent whatever their choices)."""
        text = reason_rule().clean(reason)
        now = self.clock()
        with self.db.uow() as uow:
            require_admin(uow, actor)
            found = find(uow, request_id)
            new_due, original = _extended(found, months), found.first_due_at or found.due_at
            row = uow.of(PrivacyRequestRepository).change(
                request_id, OPEN, status=RequestStatus.EXTENDED.value, due_at=new_due, first_due_at=original,
                extended_at=now, extension_reason=text, handler_id=actor.id,
            )  # fmt: skip
            if row is None:
                raise ValidationError(CLOSED)
            view = request_view(row)
            audit.record(
                uow, now, actor.id, "privacy_request.extended", subject(row.user_id, request_id),
                request=request_id, due=when(new_due),
            )  # fmt: skip
            if row.user_id is not None:
                facts = {"reference": row.reference, "what": view.what, "due": when(new_due), "reason": text}
                key = f"request_extended:{row.reference}:{new_due:%Y%m%d%H%M}"
                enqueue(uow, row.user_id, MessageKind.REQUEST_EXTENDED, now, facts, key=key)
            uow.commit()
        return view


def _extended(row: PrivacyRequest, months: int) -> datetime:
    if row.status not in OPEN:
        raise ValidationError(CLOSED)
    current = row.due_at or row.received_at
    return extended_due(row.first_due_at or current, current, months)
