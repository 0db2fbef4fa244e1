"""The gallery's queries on SQLite and PostgreSQL: neighbours in newest-first order, the jobs still in flight,
and the grid's pages with their prompts, batch sizes and newer cursor. Nobody else's images ever appear."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from core.bootstrap import Container
from core.domain import JobStatus, UserView
from core.domain.gallery import GalleryQuery
from core.errors import NotFoundError
from tests.factories import create_form, settle, sign_up


def make(c: Container, user: UserView, prompt: str = "red circles", **form: object) -> list[int]:
    job = settle(c, user, c.generation.submit(user, create_form(prompt, **form), c.generation.new_token()).id)
    assert job.status == JobStatus.SUCCEEDED
    return [image.id for image in job.images]


def test_neighbours_follow_the_newest_first_order_and_skip_other_users_images(
    containers: Callable[..., Container], database_url: str
) -> None:
    c = containers(database_url)
    alice, bob = sign_up(c, "alice@example.com"), sign_up(c, "bob@example.com")
    first, _, second, _, third = (make(c, who)[0] for who in (alice, bob, alice, bob, alice))
    assert c.gallery.neighbours(alice, second) == (third, first)
    assert c.gallery.neighbours(alice, third) == (None, second)
    assert c.gallery.neighbours(alice, first) == (second, None)
    with pytest.raises(NotFoundError):
        c.gallery.neighbours(bob, second)  # not his: not even its neighbours among his own images


def test_neighbours_close_the_gap_a_deleted_image_leaves(
    containers: Callable[..., Container], database_url: str
) -> None:
    c = containers(database_url)
    alice = sign_up(c)
    first, second, third = make(c, alice, num_images=3)
    c.gallery.delete(alice, second)
    assert c.gallery.neighbours(alice, first) == (third, None)
    assert c.gallery.neighbours(alice, third) == (None, first)


def test_in_flight_lists_only_this_users_queued_and_running_jobs_newest_first(
    containers: Callable[..., Container], database_url: str
) -> None:
    c = containers(database_url, offline_engine_delay_seconds=600)
    alice, bob = sign_up(c, "alice@example.com"), sign_up(c, "bob@example.com")
    older = c.generation.submit(alice, create_form("slow one", num_images=2), c.generation.new_token())
    newer = c.generation.submit(alice, create_form("slow two"), c.generation.new_token())
    bobs = c.generation.submit(bob, create_form("his"), c.generation.new_token())
    jobs = c.gallery.in_flight(alice)
    assert [job.id for job in jobs] == [newer.id, older.id]
    assert all(job.status.in_flight for job in jobs) and jobs[1].num_images == 2
    c.generation.cancel(alice, older.id)
    assert [job.id for job in c.gallery.in_flight(alice)] == [newer.id]
    assert [job.id for job in c.gallery.in_flight(bob)] == [bobs.id]


def test_the_grid_pages_carry_prompts_batch_sizes_and_lead_both_ways(
    containers: Callable[..., Container], database_url: str
) -> None:
    c = containers(database_url, gallery_page_size=2)
    alice, bob = sign_up(c, "alice@example.com"), sign_up(c, "bob@example.com")
    ids = make(c, alice, "one") + make(c, alice, "batch", num_images=3) + make(c, alice, "last")
    make(c, bob, "his")
    first = c.gallery.grid(alice)
    assert [i.id for i in first.images.items] == [ids[4], ids[3]] and first.page_number == 1
    assert [(i.prompt, first.batch_size(i)) for i in first.images.items] == [("last", 1), ("batch", 3)]
    second = c.gallery.grid(alice, GalleryQuery(cursor=first.images.next_cursor))
    assert [i.id for i in second.images.items] == [ids[2], ids[1]] and second.page_number == 2
    assert second.previous_before == ids[2]  # the newer page is the one that ends before this page's first
    third = c.gallery.grid(alice, GalleryQuery(cursor=second.images.next_cursor))
    assert [i.id for i in third.images.items] == [ids[0]] and third.page_number == 3
    assert third.previous_before == ids[0] and third.images.next_cursor is None
    back = c.gallery.grid(alice, GalleryQuery(cursor=third.previous_before, backward=True))
    assert [i.id for i in back.images.items] == [ids[2], ids[1]] and back.page_number == 2
    assert back.images.next_cursor == ids[1]
    first_again = c.gallery.grid(alice, GalleryQuery(cursor=back.previous_before, backward=True))
    assert [i.id for i in first_again.images.items] == [ids[4], ids[3]] and first_again.page_number == 1
    assert first_again.previous_before is None
    assert third.images.total == 5 and third.images.items[0].prompt == "one"
    assert c.gallery.page(alice).items[0].prompt == "last"  # the plain page has the prompts too
