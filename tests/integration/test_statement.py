"""The credit statement on SQLite and PostgreSQL: one line per job, grant or adjustment, with a running balance."""

from __future__ import annotations

import itertools
from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from core.adapters.fake_engine import FakeImageEngine
from core.bootstrap import Container
from core.domain import JobStatus, StatementRow, UserView
from core.errors import InsufficientCreditsError
from core.services import ledger
from tests.factories import create_form, fetch_media, refreshed, settle, sign_up
from tests.hypothesis_sizes import examples

ADMIN = "admin@example.com"
counter = itertools.count()


def studio(containers: Callable[..., Container], database_url: str) -> tuple[Container, FakeImageEngine]:
    """A container whose engine finishes a job at its first poll (a job nobody polls stays running)."""
    engine = FakeImageEngine()
    return containers(database_url, engine=engine, admin_emails=ADMIN), engine


def job(c: Container, user: UserView, images: int, *, deliver: int | None = None, fail: bool = False) -> str:
    """A finished job that delivered `deliver` of its `images` (all by default), or that failed."""
    engine = c.engine
    assert isinstance(engine, FakeImageEngine)
    engine.deliver, engine.fail_result = deliver, fail
    submitted = c.generation.submit(user, create_form(model="fake-draw", num_images=images), c.generation.new_token())
    done = settle(c, user, submitted.id)
    assert done.status == (JobStatus.FAILED if fail else JobStatus.SUCCEEDED)
    return done.id


def running_job(c: Container, user: UserView, images: int) -> str:
    return c.generation.submit(user, create_form(model="fake-draw", num_images=images), c.generation.new_token()).id


def grant(c: Container, user: UserView, amount: int, reason: str) -> None:
    with c.db.uow() as uow:
        assert ledger.grant(uow, user.id, amount, reason, f"test-grant:{next(counter)}")
        uow.commit()


def adjust(c: Container, admin: UserView, user: UserView, amount: int, reason: str) -> bool:
    return c.admin.adjust_credits(admin, user.id, amount, reason, f"test-adjust:{next(counter)}")


def every_line(c: Container, user: UserView) -> list[StatementRow]:
    """Every page of the statement, walked with the cursors the pager hands back."""
    rows: list[StatementRow] = []
    cursor: int | None = None
    while True:
        page = c.credits.statement(user, cursor)
        rows += page.items
        if page.next_cursor is None:
            assert len(rows) == page.total
            return rows
        cursor = page.next_cursor


def assert_the_balance_chains(c: Container, user: UserView, rows: list[StatementRow]) -> None:
    assert rows[0].balance_after == refreshed(c, user).balance
    for above, below in itertools.pairwise(rows):
        assert below.balance_after == above.balance_after - above.change
    assert rows[-1].balance_after - rows[-1].change == 0  # before the first line, there was nothing
    assert [r.id for r in rows] == sorted({r.id for r in rows}, reverse=True)  # newest first, each once


def test_a_job_that_delivered_three_of_four_images_is_one_line_charged_three_returned_one(
    containers, database_url: str
) -> None:
    c, _ = studio(containers, database_url)
    user = sign_up(c)
    generation_id = job(c, user, 4, deliver=3)

    top, starter = c.credits.statement(user).items
    assert (top.kind, top.description) == ("Generation", "Generation: charged 3, returned 1")
    assert (top.held, top.charged, top.returned, top.change) == (4, 3, 1, -3)
    assert top.balance_after == 17 == refreshed(c, user).balance
    assert top.generation_id == generation_id and top.prompt == "a red sun over blue mountains"
    first = c.generation.status(user, generation_id).images[0]
    assert top.image_id == first.id and top.thumb_url is not None
    assert fetch_media(c, top.thumb_url)  # the signed thumbnail opens
    assert (starter.kind, starter.description, starter.change, starter.balance_after) == (
        "Grant",
        "Grant: Starter credits",
        20,
        20,
    )


def test_a_running_job_is_one_line_holding_its_cost(containers, database_url: str) -> None:
    c, _ = studio(containers, database_url)
    user = sign_up(c)
    generation_id = running_job(c, user, 2)

    top = c.credits.statement(user).items[0]
    assert top.in_flight and top.generation_id == generation_id
    assert top.description == "Generation: held for a running job"
    assert (top.held, top.charged, top.returned, top.change, top.balance_after) == (2, None, None, -2, 18)
    assert top.image_id is None and top.thumb_url is None


def test_a_failed_job_charges_nothing_and_returns_everything(containers, database_url: str) -> None:
    c, _ = studio(containers, database_url)
    user = sign_up(c)
    job(c, user, 3, fail=True)

    top = c.credits.statement(user).items[0]
    assert not top.in_flight and top.description == "Generation: charged 0, returned 3"
    assert (top.charged, top.returned, top.change, top.balance_after) == (0, 3, 0, 20)
    assert top.image_id is None


def test_a_job_that_finishes_later_moves_to_the_top_as_one_line(containers, database_url: str) -> None:
    c, _ = studio(containers, database_url)
    user = sign_up(c)
    late = running_job(c, user, 2)
    grant(c, user, 5, "Birthday present")
    settle(c, user, late)

    rows = c.credits.statement(user).items
    assert [(r.kind, r.change) for r in rows] == [("Generation", -2), ("Grant", 5), ("Grant", 20)]
    assert rows[0].generation_id == late and rows[0].charged == 2
    assert [r.balance_after for r in rows] == [23, 25, 20]


def test_grants_and_adjustments_are_lines_of_their_own(containers, database_url: str) -> None:
    c, _ = studio(containers, database_url)
    user = sign_up(c)
    grant(c, user, 10, "Welcome bonus")
    assert adjust(c, sign_up(c, ADMIN), user, 5, "Sorry for the outage")
    assert adjust(c, sign_up(c, ADMIN), user, -3, "Refund reversed")

    rows = c.credits.statement(user).items
    assert [(r.kind, r.description, r.change, r.balance_after) for r in rows] == [
        ("Adjustment", "Adjustment: Refund reversed", -3, 32),
        ("Adjustment", "Adjustment: Sorry for the outage", 5, 35),
        ("Grant", "Grant: Welcome bonus", 10, 30),
        ("Grant", "Grant: Starter credits", 20, 20),
    ]
    assert all(r.generation_id is None and r.image_id is None for r in rows)


def test_the_line_links_the_first_image_that_still_exists(containers, database_url: str) -> None:
    c, _ = studio(containers, database_url)
    user = sign_up(c)
    images = c.generation.status(user, job(c, user, 2)).images
    c.gallery.delete(user, images[0].id)
    assert c.credits.statement(user).items[0].image_id == images[1].id
    c.gallery.delete(user, images[1].id)
    top = c.credits.statement(user).items[0]
    assert top.image_id is None and top.thumb_url is None
    assert (top.charged, top.change) == (2, -2)  # deleting images never rewrites what was charged


def test_every_line_appears_once_and_the_balance_chains_across_pages(containers, database_url: str) -> None:
    c, _ = studio(containers, database_url)
    user = sign_up(c)
    late = running_job(c, user, 1)  # its hold is among the oldest entries; its capture among the newest
    made = [job(c, user, 4, deliver=3), job(c, user, 2, fail=True), running_job(c, user, 3), job(c, user, 1)]
    grant(c, user, 7, "Promotion")
    assert adjust(c, sign_up(c, ADMIN), user, -2, "Correction")
    made.append(job(c, user, 2))
    settle(c, user, late)
    c.credits.page_size = 3

    rows = every_line(c, user)
    assert len(rows) == 9 and c.credits.statement(user).total == 9
    assert rows[0].generation_id == late
    assert {r.generation_id for r in rows if r.generation_id} == {late, *made}
    assert_the_balance_chains(c, user, rows)
    assert sum(r.change for r in rows) == refreshed(c, user).balance == 20 - 1 - 3 - 0 - 3 - 1 + 7 - 2 - 2


def test_another_users_credits_never_appear(containers, database_url: str) -> None:
    c, _ = studio(containers, database_url)
    alice, bob = sign_up(c, "alice@example.com"), sign_up(c, "bob@example.com")
    job(c, bob, 2)
    running_job(c, bob, 1)
    grant(c, bob, 9, "Bob's bonus")
    mine = job(c, alice, 1)
    c.credits.page_size = 1

    rows = every_line(c, alice)
    assert [(r.kind, r.generation_id, r.change) for r in rows] == [("Generation", mine, -1), ("Grant", None, 20)]
    assert_the_balance_chains(c, alice, rows)


ACTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("job"), st.integers(1, 4), st.integers(1, 4)),  # images asked for, delivered
        st.tuples(st.just("failed job"), st.integers(1, 4), st.just(0)),
        st.tuples(st.just("running job"), st.integers(1, 4), st.just(0)),
        st.tuples(st.just("finish a running job"), st.just(0), st.just(0)),
        st.tuples(st.just("grant"), st.integers(1, 30), st.just(0)),
        st.tuples(st.just("adjustment"), st.integers(-10, 10).filter(bool), st.just(0)),
    ),
    max_size=8,
)


def test_for_any_history_the_lines_sum_to_the_balance_and_the_balance_chains(containers, database_url: str) -> None:
    c, _ = studio(containers, database_url)
    admin = sign_up(c, ADMIN)

    @settings(max_examples=examples(20, 40), deadline=None)
    @given(actions=ACTIONS, page_size=st.integers(1, 4))
    def check(actions: list[tuple[str, int, int]], page_size: int) -> None:
        user = sign_up(c, f"user{next(counter)}@example.com")  # a new user per example: a fresh ledger
        running: list[str] = []
        for action, amount, delivered in actions:
            try:
                if action == "job":
                    job(c, user, amount, deliver=min(delivered, amount))
                elif action == "failed job":
                    job(c, user, amount, fail=True)
                elif action == "running job":
                    running.append(running_job(c, user, amount))
                elif action == "finish a running job" and running:
                    settle(c, user, running.pop(0))
                elif action == "grant":
                    grant(c, user, amount, "A grant")
                elif action == "adjustment":
                    adjust(c, admin, user, amount, "An adjustment")
            except InsufficientCreditsError:
                pass  # refused before anything was written: the history simply has no such line
        c.credits.page_size = page_size

        rows = every_line(c, user)
        assert sum(r.change for r in rows) == refreshed(c, user).balance
        assert_the_balance_chains(c, user, rows)
        assert {r.generation_id for r in rows if r.in_flight} == set(running)

    check()
