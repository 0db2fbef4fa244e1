"""Deleting images, on SQLite and PostgreSQL: a job left with no image leaves the search index; "also delete how it
was made" removes the job's prompt and settings too (the row when no image of it is left, else blanked on the
images that remain), asks the engine to forget the job, and leaves the credits history whole."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from core.domain import UserView
from core.services.deletion_runner import DeletionRunner
from tests.factories import create_form, make_container, settle, sign_up


def make(c, user: UserView, prompt: str, images: int = 1) -> tuple[str, list[int]]:  # type: ignore[no-untyped-def]
    job = settle(
        c, user, c.generation.submit(user, create_form(prompt, num_images=images), c.generation.new_token()).id
    )
    return job.id, [image.id for image in job.images]


def findable(c, word: str) -> bool:  # type: ignore[no-untyped-def]
    """Whether the search index itself still finds the word, for any user."""
    with c.db.reader() as uow:
        if c.db.engine.dialect.name == "sqlite":
            query = "SELECT count(*) FROM generation_search WHERE generation_search MATCH :word"
        else:
            query = "SELECT count(*) FROM generations WHERE search @@ to_tsquery('simple', :word)"
        return bool(uow.session.execute(text(query), {"word": word}).scalar())


def money(c, user: UserView) -> list[tuple[int, int, int, int, int]]:  # type: ignore[no-untyped-def]
    return [(r.change, r.balance_after, r.held, r.charged, r.returned) for r in c.credits.statement(user).items]


def job_row(c, job_id: str):  # type: ignore[no-untyped-def]
    with c.db.reader() as uow:
        return uow.session.execute(
            text("SELECT prompt, options FROM generations WHERE id = :id"), {"id": job_id}
        ).first()


def test_a_job_with_no_image_left_can_no_longer_be_found_by_its_prompt(tmp_path: Path, database_url: str) -> None:
    c = make_container(tmp_path, database_url)
    user = sign_up(c)
    _, (only,) = make(c, user, "a marsupial lantern")
    _, pair = make(c, user, "twin pelicans", images=2)
    c.gallery.delete(user, only)
    c.gallery.delete(user, pair[0])
    assert not findable(c, "marsupial")  # no image left: its prompt left the index
    assert findable(c, "pelicans")  # one image left: still found
    assert job_row(c, make(c, user, "kept history")[0]) is not None


def test_also_deleting_how_it_was_made_removes_the_prompt_and_settings_and_keeps_the_statement(
    tmp_path: Path, database_url: str
) -> None:
    c = make_container(tmp_path, database_url)
    user = sign_up(c)
    solo_job, (solo,) = make(c, user, "a solitary quokka")
    pair_job, pair = make(c, user, "a shared zeppelin", images=2)
    before = money(c, user)

    c.gallery.delete(user, solo, how_made=True)
    assert job_row(c, solo_job) is None and not findable(c, "quokka")
    c.gallery.delete(user, pair[0], how_made=True)
    assert job_row(c, pair_job).prompt == ""  # the other image shares the job: its prompt is removed from it too
    assert c.gallery.detail(user, pair[1]).image.prompt == "" and not findable(c, "zeppelin")

    with c.db.reader() as uow:
        ledger = uow.session.execute(
            text("SELECT count(*) FROM ledger_entries WHERE user_id = :u"), {"u": user.id}
        ).scalar()
        balance = uow.users.balance(user.id)
        assert balance == uow.ledger.total(user.id)
    assert ledger >= 5  # the starter grant and each job's hold and capture stay in the credits history
    assert money(c, user) == before  # every line of the statement keeps its amounts (not its prompt)
    assert not any("quokka" in line.prompt or "zeppelin" in line.prompt for line in c.credits.statement(user).items)
    c.of(DeletionRunner).run()
    assert [key for key in c.blobs.keys(f"u{user.id}/")] != [] and len(list(c.blobs.keys(f"u{user.id}/"))) == 3
