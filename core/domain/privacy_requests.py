"""The deadlines of privacy requests, as pure functions over UTC times: when a request is due, how far an
extension may move it, and the marks the admin's queue shows ("Overdue", "Due in 2 days").

Every time is an aware UTC datetime and the arithmetic is done in UTC, so 72 hours are 72 elapsed hours even when
a daylight-saving change falls inside them (a local wall clock would show 71 or 73)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from core.errors import ValidationError

MAX_EXTENSION_MONTHS = 2  # the law allows two further months, counted from the original due date
SOON = timedelta(days=3)  # "due within 3 days" in the queue


class RequestStatus(StrEnum):
    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    EXTENDED = "extended"  # still open, with a later due date the user was told about
    COMPLETED = "completed"
    DENIED = "denied"  # with a reason: the answer
    CANCELED = "canceled"


OPEN_STATUSES = (RequestStatus.RECEIVED, RequestStatus.IN_PROGRESS, RequestStatus.EXTENDED)


def is_open(status: str) -> bool:
    return status in {s.value for s in OPEN_STATUSES}


def as_utc(moment: datetime) -> datetime:
    """The same instant in UTC; a naive time is refused, since it names no instant at all."""
    if moment.tzinfo is None:
        raise ValueError("A deadline needs an aware time (UTC).")
    return moment.astimezone(UTC)


def due_at(received: datetime, *, urgent: bool, response_days: int, urgent_hours: int) -> datetime:
    """When a request received at `received` must be answered: `urgent_hours` for an urgent (security) matter,
    otherwise `response_days` days, both counted in elapsed UTC time."""
    period = timedelta(hours=urgent_hours) if urgent else timedelta(days=response_days)
    return as_utc(received) + period


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months later; a day the target month lacks becomes its last day
    (31 January + 1 month is 28 or 29 February, 30 December 2027 + 2 months is 29 February 2028)."""
    moment = as_utc(moment)
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def latest_due(original_due: datetime) -> datetime:
    """The furthest an extension may move a request: two calendar months after its original due date."""
    return add_months(original_due, MAX_EXTENSION_MONTHS)


def extended_due(original_due: datetime, current_due: datetime, months: int) -> datetime:
    """The due date of a request extended to `months` calendar months after its original due date (1 or 2). More
    than two months is refused, naming the limit; so is a date no later than the current one (a second extension
    must move it further, and only up to the limit)."""
    limit = latest_due(original_due)
    if months < 1:
        raise ValidationError("An extension adds at least one month.")
    if months > MAX_EXTENSION_MONTHS:
        raise ValidationError(
            f"An extension may add at most two months to the original due date: {limit:%Y-%m-%d %H:%M} UTC at the "
            "latest."
        )
    new_due = add_months(original_due, months)
    if new_due <= as_utc(current_due):
        if as_utc(current_due) >= limit:
            raise ValidationError(
                f"This request is already extended to {limit:%Y-%m-%d %H:%M} UTC, the furthest allowed (two months "
                "after its original due date). Answer it, or deny it with a reason."
            )
        raise ValidationError(f"The request is already due on {as_utc(current_due):%Y-%m-%d %H:%M} UTC.")
    return new_due


class Urgency(StrEnum):
    OVERDUE = "overdue"
    SOON = "soon"  # due within 3 days
    LATER = "later"
    DONE = "done"  # answered or canceled: no deadline left


@dataclass(frozen=True)
class DeadlineMark:
    urgency: Urgency
    words: str  # what the queue says, so the mark is never colour alone


def deadline_mark(due: datetime | None, now: datetime, *, open_: bool) -> DeadlineMark:
    """The mark a request carries in the queue at `now`."""
    if not open_ or due is None:
        return DeadlineMark(Urgency.DONE, "")
    left = as_utc(due) - as_utc(now)
    if left < timedelta(0):
        return DeadlineMark(Urgency.OVERDUE, f"Overdue by {_span(-left)}")
    words = f"Due in {_span(left)}"
    return DeadlineMark(Urgency.SOON if left <= SOON else Urgency.LATER, words)


def _span(span: timedelta) -> str:
    """A span as a person says it: whole days, or hours under two days."""
    hours = int(span.total_seconds() // 3600)
    if hours < 48:
        return "less than an hour" if hours < 1 else f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{span.days} days"
