"""The deadlines of privacy requests as pure functions, under a frozen clock: 30 days, or 72 hours when urgent,
counted in UTC so a daylight-saving change inside them changes nothing; an extension of at most two calendar
months from the original due date (month ends and 29 February 2028 included); the queue's marks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from core.domain.privacy_requests import (
    Urgency,
    add_months,
    deadline_mark,
    due_at,
    extended_due,
    latest_due,
)
from core.errors import ValidationError

BERLIN = ZoneInfo("Europe/Berlin")


def now() -> datetime:
    return datetime.now(UTC)


def due(received: datetime, urgent: bool = False) -> datetime:
    return due_at(received, urgent=urgent, response_days=30, urgent_hours=72)


@pytest.mark.parametrize(
    "local_start",
    [
        datetime(2026, 3, 28, 9, 0, tzinfo=BERLIN),  # spring forward at 02:00 on 29 March 2026
        datetime(2026, 10, 24, 9, 0, tzinfo=BERLIN),  # fall back at 03:00 on 25 October 2026
    ],
)
def test_an_urgent_request_is_due_72_elapsed_hours_later_across_a_daylight_saving_change(local_start) -> None:
    with time_machine.travel(local_start, tick=False):
        received = now()
        deadline = due(received, urgent=True)
    assert deadline - received == timedelta(hours=72)
    assert deadline.tzinfo == UTC
    # On a Berlin wall clock the same 72 hours read as 73 (spring: it skips an hour) or 71 (autumn: it repeats
    # one): 09:00 becomes 10:00 or 08:00 three days later. The wall clock moved; the deadline did not.
    wall = deadline.astimezone(BERLIN).replace(tzinfo=None) - local_start.replace(tzinfo=None)
    assert wall == timedelta(hours=73 if local_start.month == 3 else 71)
    with time_machine.travel(deadline - timedelta(minutes=30), tick=False):
        assert deadline_mark(deadline, now(), open_=True).words == "Due in less than an hour"
    with time_machine.travel(deadline + timedelta(minutes=1), tick=False):
        assert deadline_mark(deadline, now(), open_=True).urgency == Urgency.OVERDUE


def test_a_request_is_due_30_days_later_and_a_naive_time_is_refused() -> None:
    with time_machine.travel(datetime(2028, 2, 10, 8, 30, tzinfo=UTC), tick=False):
        assert due(now()) == datetime(2028, 3, 11, 8, 30, tzinfo=UTC)  # 29 February 2028 counted
    with pytest.raises(ValueError, match="aware"):
        due(datetime(2026, 1, 1))


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (datetime(2027, 1, 31, 12, tzinfo=UTC), 1, datetime(2027, 2, 28, 12, tzinfo=UTC)),
        (datetime(2028, 1, 31, 12, tzinfo=UTC), 1, datetime(2028, 2, 29, 12, tzinfo=UTC)),  # leap year
        (datetime(2028, 1, 31, 12, tzinfo=UTC), 2, datetime(2028, 3, 31, 12, tzinfo=UTC)),
        (datetime(2027, 12, 30, 9, tzinfo=UTC), 2, datetime(2028, 2, 29, 9, tzinfo=UTC)),
        (datetime(2028, 2, 29, 9, tzinfo=UTC), 2, datetime(2028, 4, 29, 9, tzinfo=UTC)),
        (datetime(2026, 11, 30, 23, 59, tzinfo=UTC), 2, datetime(2027, 1, 30, 23, 59, tzinfo=UTC)),
    ],
)
def test_calendar_months_keep_the_day_or_take_the_months_last(start, months, expected) -> None:
    assert add_months(start, months) == expected


def test_an_extension_moves_the_date_up_to_two_months_after_the_original_and_no_further() -> None:
    with time_machine.travel(datetime(2027, 12, 31, 10, 0, tzinfo=UTC), tick=False):
        original = due(now())  # 30 January 2028
    assert original == datetime(2028, 1, 30, 10, 0, tzinfo=UTC)
    first = extended_due(original, original, 1)
    assert first == datetime(2028, 2, 29, 10, 0, tzinfo=UTC)  # the leap day
    second = extended_due(original, first, 2)
    assert second == latest_due(original) == datetime(2028, 3, 30, 10, 0, tzinfo=UTC)
    with pytest.raises(ValidationError, match="already extended to 2028-03-30 10:00 UTC, the furthest allowed"):
        extended_due(original, second, 2)
    with pytest.raises(ValidationError, match="at most two months"):
        extended_due(original, original, 3)
    with pytest.raises(ValidationError, match="already due on 2028-02-29"):
        extended_due(original, first, 1)


def test_the_marks_say_overdue_and_due_within_three_days_in_words() -> None:
    deadline = datetime(2028, 2, 29, 12, 0, tzinfo=UTC)
    assert deadline_mark(deadline, deadline - timedelta(days=10), open_=True).words == "Due in 10 days"
    assert deadline_mark(deadline, deadline - timedelta(days=10), open_=True).urgency == Urgency.LATER
    soon = deadline_mark(deadline, deadline - timedelta(days=3), open_=True)
    assert (soon.urgency, soon.words) == (Urgency.SOON, "Due in 3 days")
    assert deadline_mark(deadline, deadline - timedelta(hours=30), open_=True).words == "Due in 30 hours"
    late = deadline_mark(deadline, deadline + timedelta(days=2, hours=1), open_=True)
    assert (late.urgency, late.words) == (Urgency.OVERDUE, "Overdue by 2 days")
    assert deadline_mark(deadline, deadline + timedelta(days=5), open_=False).urgency == Urgency.DONE


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)),
    st.integers(min_value=1, max_value=2),
)
def test_an_extension_is_always_later_and_never_beyond_two_months(original: datetime, months: int) -> None:
    new = extended_due(original, original, months)
    assert original < new <= latest_due(original)
    assert new - original <= timedelta(days=62)
