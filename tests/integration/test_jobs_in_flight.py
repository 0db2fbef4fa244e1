"""Several jobs of one user in flight at once, up to MAX_JOBS_IN_FLIGHT, on SQLite and PostgreSQL: the next one is
refused with words a person understands, racing submits never pass the limit together, and a job that ends frees
its place."""

from __future__ import annotations

import pytest

from core.adapters.fake_engine import FakeImageEngine
from core.errors import TooManyJobsError
from tests.factories import create_form, ledger_sum, refreshed, sign_up
from tests.races import race_submits


def test_a_fifth_job_is_refused_with_what_to_do_and_nothing_is_held(containers, database_url: str) -> None:
    c = containers(database_url, engine=FakeImageEngine(polls_until_done=10_000))
    user = sign_up(c)
    jobs = [c.generation.submit(user, create_form(model="fake-draw"), c.generation.new_token()) for _ in range(4)]
    assert all(job.status.in_flight for job in jobs)
    assert c.generation.limit_reason(user) == "You have 4 jobs running. Wait for one to finish or cancel one."
    with pytest.raises(TooManyJobsError, match="You have 4 jobs running. Wait for one to finish or cancel one."):
        c.generation.submit(user, create_form(model="fake-draw"), c.generation.new_token())
    assert refreshed(c, user).balance == 16 == ledger_sum(c, user)  # four holds of one credit, none for the fifth


def test_the_same_token_again_at_the_limit_is_still_the_one_job(containers, database_url: str) -> None:
    c = containers(database_url, engine=FakeImageEngine(polls_until_done=10_000))
    user = sign_up(c)
    tokens = [c.generation.new_token() for _ in range(4)]
    for token in tokens:
        c.generation.submit(user, create_form(model="fake-draw"), token)
    assert c.generation.submit(user, create_form(model="fake-draw"), tokens[-1]).id == tokens[-1]
    assert refreshed(c, user).balance == 16 == ledger_sum(c, user)


def test_canceling_a_job_frees_its_place_and_another_users_jobs_do_not_count(containers, database_url: str) -> None:
    c = containers(database_url, engine=FakeImageEngine(polls_until_done=10_000), max_jobs_in_flight=2)
    alice, bob = sign_up(c, "alice@example.com"), sign_up(c, "bob@example.com")
    first, _ = (c.generation.submit(alice, create_form(model="fake-draw"), c.generation.new_token()) for _ in range(2))
    assert c.generation.limit_reason(alice) == "You have 2 jobs running. Wait for one to finish or cancel one."
    assert c.generation.limit_reason(bob) == ""
    c.generation.submit(bob, create_form(model="fake-draw"), c.generation.new_token())
    c.generation.cancel(alice, first.id)
    assert c.generation.limit_reason(alice) == ""
    c.generation.submit(alice, create_form(model="fake-draw"), c.generation.new_token())
    assert refreshed(c, alice).balance == 18 == ledger_sum(c, alice)  # the canceled job's hold came back


def test_racing_submits_of_one_user_never_pass_the_limit_together(containers, database_url: str) -> None:
    """Every thread passes the early look (none is in flight yet); the count in the job's own transaction, after
    the hold has updated the user's balance row, lets exactly the limit through."""
    c = containers(database_url, engine=FakeImageEngine(polls_until_done=10_000), max_jobs_in_flight=2)
    user = sign_up(c)
    outcomes = race_submits(c, user, threads=6, refused=TooManyJobsError)
    assert sorted(outcomes) == ["ok"] * 2 + ["refused"] * 4
    assert len(c.generation.recent(user, 10)) == 2
    assert refreshed(c, user).balance == 18 == ledger_sum(c, user)
