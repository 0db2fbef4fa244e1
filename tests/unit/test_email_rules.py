"""Which messages a user's choices let us send, over every purpose and every choice that matters; and the words:
every kind has a purpose, renders with its facts, and says why the user gets it."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta, timezone

import pytest

from core.domain.email import PURPOSES, MessageKind, MessagePurpose, allowed
from core.domain.privacy import Choices, Purpose
from core.services.email_messages import TEMPLATES, WHY, day_text, render

FACTS = {
    name: f"<{name}>"
    for name in (
        "reference", "erase_after", "what", "due", "reason", "outcome", "answer", "last_sign_in",
        "inactive_days", "document", "effective", "version", "summary", "choice", "value",
    )
}  # fmt: skip


@pytest.mark.parametrize(
    ("purpose", "restricted", "product_email"),
    list(itertools.product(MessagePurpose, (False, True), (False, True))),
)
def test_legal_messages_always_go_account_ones_unless_restricted_product_ones_only_with_consent(
    purpose: MessagePurpose, restricted: bool, product_email: bool
) -> None:
    choices = Choices({Purpose.RESTRICTION: restricted, Purpose.PRODUCT_EMAIL: product_email})
    expected = {
        MessagePurpose.LEGAL: True,
        MessagePurpose.ACCOUNT: not restricted,
        MessagePurpose.PRODUCT: product_email and not restricted,
    }[purpose]
    assert allowed(purpose, choices) is expected


def test_a_user_who_never_chose_gets_legal_and_account_messages_and_no_product_news() -> None:
    assert [allowed(p, Choices({})) for p in MessagePurpose] == [True, True, False]


@pytest.mark.parametrize("kind", list(MessageKind))
def test_every_kind_has_a_purpose_and_words_that_say_why_it_was_sent(kind: MessageKind) -> None:
    assert kind in PURPOSES and kind in TEMPLATES
    message = render(kind, FACTS)
    assert message.subject and "{" not in message.subject and "{" not in message.body
    assert message.body.rstrip().endswith(WHY[PURPOSES[kind]])


def test_a_legal_message_says_the_law_requires_it() -> None:
    assert "required by law" in render(MessageKind.POLICY_CHANGE, FACTS).body


def test_days_are_said_in_utc_leap_day_included() -> None:
    assert day_text(datetime(2028, 2, 29, 23, 59, tzinfo=UTC)) == "29 February 2028"
    # 00:30 on 1 March in Paris is still 29 February in UTC.
    assert day_text(datetime(2028, 3, 1, 0, 30, tzinfo=timezone(timedelta(hours=1)))) == "29 February 2028"
