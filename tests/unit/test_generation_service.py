"""GenerationService with the offline engine (and the fake engine for failures), on in-memory SQLite."""

from __future__ import annotations

import re

import pytest

from core.adapters.fake_engine import FakeImageEngine
from core.domain import JobStatus
from core.errors import InsufficientCreditsError, ValidationError
from core.services.deletion_runner import DeletionRunner
from tests.factories import create_form, fetch_media, ledger_sum, refreshed, settle, sign_up


def ledger_kinds(container, user):  # type: ignore[no-untyped-def]
    return [(e.kind, e.delta) for e in reversed(container.credits.ledger_page(user).items)]


def test_a_finished_generation_holds_then_captures_and_lands_in_the_gallery(containers) -> None:
    c = containers()
    user = sign_up(c)
    job = c.generation.submit(user, create_form(num_images=2), c.generation.new_token())
    done = settle(c, user, job.id)
    assert done.status == JobStatus.SUCCEEDED
    assert len(done.images) == 2 and done.charged == 2
    assert refreshed(c, user).balance == 18 == ledger_sum(c, user)
    assert ledger_kinds(c, user) == [("grant", 20), ("hold", -2), ("capture", 0)]
    assert [i.id for i in c.gallery.page(user).items] == sorted((i.id for i in done.images), reverse=True)


def test_the_cost_is_known_before_submitting(containers) -> None:
    c = containers(credits_per_image=3)
    assert c.generation.quote(sign_up(c), create_form(num_images=4)) == 12


def test_submitting_the_same_form_token_twice_creates_one_job_and_one_hold(containers) -> None:
    c = containers()
    user = sign_up(c)
    token = c.generation.new_token()
    first = c.generation.submit(user, create_form(), token)
    second = c.generation.submit(user, create_form(prompt="something else"), token)
    assert first.id == second.id == token
    assert refreshed(c, user).balance == 19
    assert [k for k, _ in ledger_kinds(c, user)].count("hold") == 1


@pytest.mark.parametrize(
    ("prompt", "message"),
    [
        ("   ", "Write a prompt"),
        ("x" * 2001, "2,001 characters long; the limit is 2,000"),
        ("red\x00sun", "control characters (U+0000)"),
    ],
)
def test_bad_prompts_are_refused_with_a_clear_message_and_no_charge(containers, prompt: str, message: str) -> None:
    c = containers()
    user = sign_up(c)
    with pytest.raises(ValidationError, match=re.escape(message)):
        c.generation.submit(user, create_form(prompt=prompt), c.generation.new_token())
    assert refreshed(c, user).balance == 20
    assert c.gallery.page(user).total == 0


def test_a_prompt_of_exactly_two_thousand_characters_with_newlines_is_accepted(containers) -> None:
    c = containers()
    user = sign_up(c)
    prompt = ("blue waves\n" * 200)[:2000]
    job = c.generation.submit(user, create_form(prompt=prompt), c.generation.new_token())
    assert settle(c, user, job.id).status == JobStatus.SUCCEEDED


def test_too_few_credits_is_refused_with_the_balance_and_creates_nothing(containers) -> None:
    c = containers(starter_credits=3)
    user = sign_up(c)
    with pytest.raises(InsufficientCreditsError, match="needs 4 credits, and your balance is 3"):
        c.generation.submit(user, create_form(num_images=4), c.generation.new_token())
    assert refreshed(c, user).balance == 3
    assert ledger_kinds(c, user) == [("grant", 3)]


def test_an_engine_failure_shows_as_a_release_in_the_ledger(containers) -> None:
    c = containers(engine=FakeImageEngine(fail_result=True))
    user = sign_up(c)
    job = c.generation.submit(user, create_form(model="fake-draw", num_images=3), c.generation.new_token())
    failed = settle(c, user, job.id)
    assert failed.status == JobStatus.FAILED
    assert "credits were returned" in failed.status_message
    assert ledger_kinds(c, user) == [("grant", 20), ("hold", -3), ("release", 3)]
    assert refreshed(c, user).balance == 20 == ledger_sum(c, user)


def test_an_engine_that_refuses_the_job_releases_the_hold_at_once(containers) -> None:
    c = containers(engine=FakeImageEngine(fail_submit=True))
    user = sign_up(c)
    job = c.generation.submit(user, create_form(model="fake-draw"), c.generation.new_token())
    assert job.status == JobStatus.QUEUED and job.status_message == "Waiting for the image engine"
    failed = settle(c, user, job.id)  # the worker's first look: the engine refuses it
    assert failed.status == JobStatus.FAILED
    assert "could not take the job" in failed.status_message
    assert refreshed(c, user).balance == 20


def test_only_delivered_images_are_charged(containers) -> None:
    c = containers(engine=FakeImageEngine(deliver=2))
    user = sign_up(c)
    job = c.generation.submit(user, create_form(model="fake-draw", num_images=4), c.generation.new_token())
    done = settle(c, user, job.id)
    assert done.status == JobStatus.SUCCEEDED and done.charged == 2 and len(done.images) == 2
    assert "delivered 2 of 4" in done.status_message
    assert ledger_kinds(c, user)[-2:] == [("capture", 0), ("release", 2)]
    assert refreshed(c, user).balance == 18


def test_engine_output_that_is_not_an_image_is_never_stored_or_charged(containers) -> None:
    c = containers(engine=FakeImageEngine(garbage=True))
    user = sign_up(c)
    job = c.generation.submit(user, create_form(model="fake-draw"), c.generation.new_token())
    failed = settle(c, user, job.id)
    assert failed.status == JobStatus.FAILED and failed.images == []
    assert refreshed(c, user).balance == 20
    assert c.gallery.page(user).total == 0


def test_cancel_releases_the_hold(containers) -> None:
    engine = FakeImageEngine(polls_until_done=100)
    c = containers(engine=engine)
    user = sign_up(c)
    job = c.generation.submit(user, create_form(model="fake-draw", num_images=2), c.generation.new_token())
    assert settle(c, user, job.id).status == JobStatus.RUNNING
    canceled = c.generation.cancel(user, job.id)
    assert canceled.status == JobStatus.CANCELED
    assert refreshed(c, user).balance == 20  # at once, without waiting on the engine
    c.of(DeletionRunner).run()  # the worker's outbox task
    assert engine.canceled  # the engine was told too


def test_a_fixed_seed_gives_the_same_image_and_a_random_seed_is_recorded(containers) -> None:
    c = containers()
    user = sign_up(c)
    first = settle(c, user, c.generation.submit(user, create_form(seed=42), c.generation.new_token()).id)
    again = settle(c, user, c.generation.submit(user, create_form(seed=42), c.generation.new_token()).id)
    chosen = c.generation.submit(user, create_form(seed=None), c.generation.new_token())
    blob = lambda view: fetch_media(c, view.images[0].original_url)  # noqa: E731
    assert blob(first) == blob(again)
    assert 0 <= chosen.seed <= 2**31 - 1


def test_another_users_job_is_invisible(containers) -> None:
    c = containers()
    alice, bob = sign_up(c, "alice@example.com"), sign_up(c, "bob@example.com")
    job = c.generation.submit(alice, create_form(), c.generation.new_token())
    from core.errors import NotFoundError

    with pytest.raises(NotFoundError):
        c.generation.status(bob, job.id)
    with pytest.raises(NotFoundError):
        c.generation.cancel(bob, job.id)
