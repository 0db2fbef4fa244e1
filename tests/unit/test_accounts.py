"""Local sign-in: an account per email, starter credits once, and a clear message for a bad address."""

from __future__ import annotations

import pytest

from core.errors import ValidationError
from tests.factories import ledger_sum


def test_a_new_account_gets_the_starter_credits_once(containers) -> None:
    c = containers(starter_credits=20)
    first = c.accounts.sign_in_local("  Alice@Example.com ").user
    again = c.accounts.sign_in_local("alice@example.com").user
    assert first.id == again.id and first.email == "alice@example.com"
    assert again.balance == 20 == ledger_sum(c, again)
    entries = c.credits.ledger_page(again).items
    assert [(e.kind, e.reason, e.delta) for e in entries] == [("grant", "Starter credits", 20)]


@pytest.mark.parametrize("email", ["", "alice", "alice@", "@example.com", "a b@example.com"])
def test_a_malformed_email_is_refused_with_an_example(containers, email: str) -> None:
    with pytest.raises(ValidationError, match="name@example.com"):
        containers().accounts.sign_in_local(email)
