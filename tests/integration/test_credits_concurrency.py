"""The ledger under concurrency, on SQLite and PostgreSQL: no credit is ever spent twice."""

from __future__ import annotations

import pytest

from core.adapters.fake_engine import FakeImageEngine
from core.errors import InsufficientCreditsError, ValidationError
from tests.factories import create_form, ledger_sum, refreshed, sign_up
from tests.races import at_once, outcomes_at_once, race_submits

WORKERS = 8
ATTEMPTS_EACH = 4


def test_concurrent_submits_from_many_sessions_never_overspend(containers, database_url: str) -> None:
    # The fake engine keeps every job running, so each success keeps its credit held.
    c = containers(
        database_url, engine=FakeImageEngine(polls_until_done=10_000), starter_credits=10, max_jobs_in_flight=20
    )  # the credits, not the limit of jobs in flight, are what runs out here
    user = sign_up(c)
    outcomes = race_submits(c, user, threads=WORKERS, attempts=ATTEMPTS_EACH, refused=InsufficientCreditsError)
    assert len(outcomes) == WORKERS * ATTEMPTS_EACH  # no thread died half-way
    assert outcomes.count("ok") == 10
    assert outcomes.count("refused") == WORKERS * ATTEMPTS_EACH - 10
    assert refreshed(c, user).balance == 0 == ledger_sum(c, user)


def test_a_double_click_racing_on_one_token_makes_one_job(containers, database_url: str) -> None:
    c = containers(database_url, engine=FakeImageEngine(polls_until_done=10_000))
    user = sign_up(c)
    token = c.generation.new_token()
    ids = at_once(*[lambda: c.generation.submit(user, create_form(model="fake-draw", num_images=2), token).id] * 4)
    assert len(ids) == 4 and set(ids) == {token}  # every thread finished, and all got the one job
    assert refreshed(c, user).balance == 18 == ledger_sum(c, user)


def test_the_first_sign_in_from_two_sessions_at_once_grants_starter_credits_once(containers, database_url: str) -> None:
    c = containers(database_url)
    users = at_once(*[lambda: c.accounts.sign_in_local("carol@example.com").user] * 4)
    assert len(users) == 4 and len({u.id for u in users}) == 1
    assert refreshed(c, users[0]).balance == 20 == ledger_sum(c, users[0])


def test_a_double_click_with_exactly_enough_credits_never_says_not_enough(containers, database_url: str) -> None:
    """The job row is written before the hold, so the second click meets the job, not an empty balance."""
    c = containers(database_url, engine=FakeImageEngine(polls_until_done=10_000), starter_credits=2)
    user = sign_up(c)
    token = c.generation.new_token()
    clicks = [lambda: c.generation.submit(user, create_form(model="fake-draw", num_images=2), token).id] * 4
    assert outcomes_at_once(*clicks) == [token] * 4  # never an InsufficientCreditsError
    assert refreshed(c, user).balance == 0 == ledger_sum(c, user)


def test_a_form_token_that_names_another_users_job_is_refused_clearly(containers, database_url: str) -> None:
    c = containers(database_url, engine=FakeImageEngine(polls_until_done=10_000))
    alice, bob = sign_up(c, "alice@example.com"), sign_up(c, "bob@example.com")
    token = c.generation.new_token()
    c.generation.submit(alice, create_form(model="fake-draw"), token)
    with pytest.raises(ValidationError, match="already used"):
        c.generation.submit(bob, create_form(model="fake-draw"), token)
    assert refreshed(c, bob).balance == 20 == ledger_sum(c, bob)
    assert refreshed(c, alice).balance == 19
