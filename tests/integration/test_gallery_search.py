"""The gallery's one query on SQLite and PostgreSQL: full-text search kept in step with the jobs, every filter
alone and combined, both sort orders with keyset pages that neither skip nor repeat, favourites and
collections. Nobody else's images ever appear, whatever the filter names."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import date

import pytest
import thumbhash
from sqlalchemy import text

from core.bootstrap import Container
from core.domain import JobStatus, UserView
from core.domain.gallery import GalleryFilter, GalleryQuery, SortOrder
from core.errors import NotFoundError, ValidationError
from tests.factories import create_form, edit_form, image_bytes, settle, sign_up


def make(c: Container, user: UserView, prompt: str, **form: object) -> list[int]:
    job = settle(c, user, c.generation.submit(user, create_form(prompt, **form), c.generation.new_token()).id)
    assert job.status == JobStatus.SUCCEEDED
    return [image.id for image in job.images]


def ids(c: Container, user: UserView, **filters: object) -> list[int]:
    """Every image the filter matches, newest first, read page by page (3 a page)."""
    query, found = GalleryQuery(filter=GalleryFilter(**filters), page_size=3), []  # type: ignore[arg-type]
    while True:
        page = c.gallery.page(user, query)
        found += [image.id for image in page.items]
        if page.next_cursor is None:
            return found
        query = GalleryQuery(filter=query.filter, cursor=page.next_cursor, page_size=3)


@pytest.fixture
def gallery(containers: Callable[..., Container], database_url: str) -> tuple[Container, UserView, UserView]:
    c = containers(database_url)
    return c, sign_up(c, "alice@example.com"), sign_up(c, "bob@example.com")


def test_search_matches_every_word_as_a_word_start_in_any_case_and_only_the_users_own(
    gallery: tuple[Container, UserView, UserView],
) -> None:
    c, alice, bob = gallery
    cat = make(c, alice, "A ginger Cat asleep on a windowsill")[0]
    cats = make(c, alice, "two cats, one dog — watercolour")[0]
    dog = make(c, alice, "a dog at the beach")[0]
    make(c, bob, "my cat on the beach")
    assert ids(c, alice, text="cat") == [cats, cat]  # a prefix: "cats" too
    assert ids(c, alice, text="CAT DOG") == [cats]  # every word must match
    assert ids(c, alice, text="beach") == [dog]  # never Bob's
    assert ids(c, alice, text="at") == [dog]  # "at" is a word of its own; "cat" does not start with it
    assert ids(c, alice, text="watercol") == [cats]
    assert ids(c, alice, text="zebra") == []
    assert ids(c, alice, text="  ,;  ") == [dog, cats, cat]  # no words: no search
    assert ids(c, alice, text='" OR 1=1 -- * NEAR( :') == []  # query syntax is only ever words


def test_search_finds_an_edit_by_its_instruction_in_the_same_transaction_as_the_job(
    gallery: tuple[Container, UserView, UserView],
) -> None:
    c, alice, _ = gallery
    source = make(c, alice, "a lighthouse")[0]
    job = c.generation.submit(
        alice, edit_form("make it black and white", source_image_id=source), c.generation.new_token()
    )
    edited = [image.id for image in settle(c, alice, job.id).images]
    assert ids(c, alice, text="black white") == edited
    assert ids(c, alice, text="lighthouse") == [source]


def test_each_filter_narrows_and_they_combine(gallery: tuple[Container, UserView, UserView]) -> None:
    c, alice, bob = gallery
    wide = make(c, alice, "wide sea", aspect_ratio="16:9")[0]
    square = make(c, alice, "square sea", aspect_ratio="1:1")[0]
    tall = make(c, alice, "tall tower", aspect_ratio="9:16")[0]
    job = c.generation.submit(alice, edit_form("sepia", source_image_id=square), c.generation.new_token())
    edit = settle(c, alice, job.id).images[0].id
    bobs = make(c, bob, "his sea")[0]
    with c.db.uow() as uow:  # dates: wide was made last year
        uow.session.execute(text("UPDATE images SET created_at = '2025-03-01 10:00:00' WHERE id = :i"), {"i": wide})
        uow.commit()
    assert ids(c, alice, aspects=("16:9",)) == [wide]
    assert ids(c, alice, aspects=("1:1", "9:16")) == [edit, tall, square]  # the edit keeps its source's shape
    assert ids(c, alice, kinds=("edit",)) == [edit]
    assert ids(c, alice, kinds=("text_to_image",), text="sea") == [square, wide]
    assert ids(c, alice, models=("offline-edit",)) == [edit]
    assert ids(c, alice, models=("offline-draw",), aspects=("1:1",)) == [square]
    assert ids(c, alice, date_to=date(2025, 12, 31)) == [wide]
    assert ids(c, alice, date_from=date(2025, 3, 1), date_to=date(2025, 3, 1)) == [wide]  # both ends inclusive
    assert wide not in ids(c, alice, date_from=date(2026, 1, 1))
    c.gallery.set_favourite(alice, [tall, bobs], True)  # Bob's id changes nothing
    assert ids(c, alice, favourites=True) == [tall]
    assert ids(c, bob, favourites=True) == []
    assert ids(c, alice, favourites=True, text="sea") == []
    facets = c.gallery.facets(alice)
    assert facets.models == ("offline-draw", "offline-edit") and facets.kinds == ("edit", "text_to_image")
    assert facets.aspects == ("16:9", "1:1", "9:16")


def test_the_filters_offer_the_shapes_models_and_kinds_the_images_have_now(
    gallery: tuple[Container, UserView, UserView],
) -> None:
    """What the filters offer follows every image stored or deleted, from one look to the next."""
    c, alice, bob = gallery
    square = make(c, alice, "square sea", aspect_ratio="1:1")[0]
    assert c.gallery.facets(alice).aspects == ("1:1",)
    wide = make(c, alice, "wide sea", aspect_ratio="16:9")[0]
    make(c, bob, "his tall tower", aspect_ratio="9:16")
    assert c.gallery.facets(alice).aspects == ("16:9", "1:1")
    assert c.gallery.facets(bob).aspects == ("9:16",)
    c.gallery.delete(alice, square)
    assert c.gallery.facets(alice).aspects == ("16:9",)
    make(c, alice, "tall sea", aspect_ratio="9:16")  # as many images as before, one of them new
    assert c.gallery.facets(alice).aspects == ("16:9", "9:16")
    job = c.generation.submit(alice, edit_form("sepia", source_image_id=wide), c.generation.new_token())
    settle(c, alice, job.id)
    facets = c.gallery.facets(alice)
    assert facets.kinds == ("edit", "text_to_image") and facets.models == ("offline-draw", "offline-edit")
    c.gallery.delete(alice, next(i for i in ids(c, alice, kinds=("edit",))))
    assert c.gallery.facets(alice).kinds == ("text_to_image",)


def test_uploads_are_a_kind_of_their_own(gallery: tuple[Container, UserView, UserView]) -> None:
    c, alice, _ = gallery
    made = make(c, alice, "a fox")[0]
    job = c.generation.submit(alice, edit_form('add a caption "fox"', upload=image_bytes()), c.generation.new_token())
    edited = settle(c, alice, job.id).images[0].id
    upload = next(i for i in ids(c, alice) if i not in (made, edited))
    assert ids(c, alice, kinds=("upload",)) == [upload]
    assert ids(c, alice, kinds=("upload", "text_to_image")) == [upload, made]
    assert ids(c, alice, text="fox") == [edited, made]  # an upload has no prompt to match
    assert "upload" in c.gallery.facets(alice).kinds


def test_keyset_pages_in_both_orders_neither_skip_nor_repeat_and_know_their_number(
    gallery: tuple[Container, UserView, UserView],
) -> None:
    c, alice, bob = gallery
    all_ids = [i for n in range(4) for i in make(c, alice, f"moon {n}", num_images=2)] + make(c, alice, "sun")
    make(c, bob, "moon of bob")
    moons = sorted((i for i in all_ids[:-1]), reverse=True)
    for sort, expected in ((SortOrder.NEWEST, moons), (SortOrder.OLDEST, moons[::-1])):
        query, pages = GalleryQuery(GalleryFilter(text="moon"), sort, None, 3), []
        while True:  # forward, by the next page's cursor
            grid = c.gallery.grid(alice, query)
            assert grid.page_number == len(pages) + 1 and grid.images.total == 8
            pages.append([image.id for image in grid.images.items])
            if grid.images.next_cursor is None:
                break
            query = GalleryQuery(query.filter, sort, grid.images.next_cursor, 3)
        assert [i for page in pages for i in page] == expected and len(pages) == 3
        for number in (3, 2):  # and back, by the previous page's cursor: the same pages, the same numbers
            assert grid.previous_before == pages[number - 1][0]
            grid = c.gallery.grid(alice, GalleryQuery(query.filter, sort, grid.previous_before, 3, backward=True))
            assert [image.id for image in grid.images.items] == pages[number - 2]
            assert grid.page_number == number - 1
        assert grid.previous_before is None


def test_neighbours_follow_the_filter_and_the_order(gallery: tuple[Container, UserView, UserView]) -> None:
    c, alice, _ = gallery
    first = make(c, alice, "red apple")[0]
    make(c, alice, "green pear")
    third = make(c, alice, "red car")[0]
    red = GalleryQuery(GalleryFilter(text="red"))
    assert c.gallery.neighbours(alice, third, red) == (None, first)  # the pear is not in this view
    oldest = GalleryQuery(GalleryFilter(text="red"), SortOrder.OLDEST)
    assert c.gallery.neighbours(alice, first, oldest) == (None, third)


def test_collections_hold_images_many_to_many_and_deleting_one_keeps_its_images(
    gallery: tuple[Container, UserView, UserView],
) -> None:
    c, alice, bob = gallery
    one, two, three = (make(c, alice, f"picture {n}")[0] for n in range(3))
    bobs = make(c, bob, "his picture")[0]
    trips = c.collections.create(alice, "  Summer   trips ")
    faves = c.collections.create(alice, "Best")
    assert trips.name == "Summer trips"
    assert c.collections.add_images(alice, trips.id, [one, two, bobs]) == 2  # Bob's image is not filed
    assert c.collections.add_images(alice, trips.id, [two, three]) == 1  # two was in it already
    assert c.collections.add_images(alice, faves.id, [two]) == 1  # one image, two collections
    assert [(v.name, v.image_count) for v in c.collections.list(alice)] == [("Best", 1), ("Summer trips", 3)]
    c.collections.create(bob, "His", [bobs])  # each counts its own images only
    assert [(v.name, v.image_count) for v in c.collections.list(bob)] == [("His", 1)]
    assert [(v.name, v.image_count) for v in c.gallery.facets(alice).collections] == [("Best", 1), ("Summer trips", 3)]
    assert ids(c, alice, collection=trips.id) == [three, two, one]
    assert ids(c, alice, collection=trips.id, text="picture", favourites=False) == [three, two, one]
    assert ids(c, bob, collection=trips.id) == []  # her collection's id shows him nothing
    with pytest.raises(NotFoundError):
        c.collections.add_images(bob, trips.id, [bobs])
    c.collections.rename(alice, faves.id, "Favourite few")
    with pytest.raises(ValidationError, match="already have a collection"):
        c.collections.rename(alice, faves.id, "SUMMER TRIPS")
    with pytest.raises(ValidationError, match="already have a collection"):
        c.collections.create(alice, "summer trips")
    with pytest.raises(ValidationError, match="name"):
        c.collections.create(alice, "   ")
    assert c.collections.create(bob, "Summer trips").name == "Summer trips"  # names are per user
    c.gallery.delete(alice, two)  # a deleted image leaves its collections
    assert [(v.name, v.image_count) for v in c.collections.list(alice)] == [("Favourite few", 0), ("Summer trips", 2)]
    assert c.collections.remove_images(alice, trips.id, [one]) == 1
    c.collections.delete(alice, trips.id)
    assert ids(c, alice) == [three, one]  # its images stay
    assert [v.name for v in c.collections.list(alice)] == ["Favourite few"]
    with pytest.raises(NotFoundError):
        c.collections.delete(alice, trips.id)


def test_bulk_delete_removes_only_the_users_images_and_select_all_follows_the_filter(
    gallery: tuple[Container, UserView, UserView],
) -> None:
    c, alice, bob = gallery
    cats = [i for _ in range(3) for i in make(c, alice, "cat")]
    dog = make(c, alice, "dog")[0]
    bobs = make(c, bob, "cat")[0]
    matching = c.gallery.matching_ids(alice, GalleryFilter(text="cat"))
    assert matching == sorted(cats, reverse=True)
    assert c.gallery.delete_many(alice, [*matching, bobs]) == 3
    assert ids(c, alice) == [dog] and ids(c, bob) == [bobs]
    assert c.gallery.delete_many(alice, matching) == 0  # deleted already (another tab): nothing happens


def test_older_images_get_the_placeholder_ingest_would_have_given_them(
    gallery: tuple[Container, UserView, UserView],
) -> None:
    c, alice, bob = gallery
    mine = make(c, alice, "a field", num_images=2) + make(c, bob, "his field")
    before = {i: c.gallery.detail(who, i).image.thumbhash for i, who in zip(mine, (alice, alice, bob), strict=True)}
    assert all(before.values())  # computed at ingest
    with c.db.uow() as uow:  # as migration 0007 left images stored before it
        uow.session.execute(text("UPDATE images SET thumbhash = ''"))
        lost, gone = uow.images.get(mine[1]), uow.images.get(mine[2])
        assert lost is not None and gone is not None
        uow.commit()
    c.blobs.delete(lost.thumb_key)  # a lost thumbnail is made again from the original
    c.blobs.delete(gone.thumb_key)
    c.blobs.delete(gone.blob_key)  # nothing left to read: passed over
    assert c.gallery.fill_placeholders(batch=1) == 2
    after = {i: c.gallery.detail(who, i).image.thumbhash for i, who in zip(mine, (alice, alice, bob), strict=True)}
    assert after[mine[2]] == "" and c.blobs.exists(lost.thumb_key)
    for image_id in (mine[0], mine[1]):  # from the WebP thumbnail or the original: the same picture, within rounding
        old, new = (
            thumbhash.thumb_hash_to_average_rgba(list(base64.b64decode(h))) for h in (before[image_id], after[image_id])
        )
        assert all(abs(a - b) < 0.03 for a, b in zip(old, new, strict=True))
    assert c.gallery.fill_placeholders() == 0  # nothing left that can be filled


def test_a_star_toggles_and_an_image_is_filed_in_exactly_the_collections_chosen(
    gallery: tuple[Container, UserView, UserView],
) -> None:
    c, alice, bob = gallery
    image = make(c, alice, "a kite")[0]
    assert c.gallery.toggle_favourite(alice, image) is True
    assert c.gallery.toggle_favourite(alice, image) is False
    with pytest.raises(NotFoundError):
        c.gallery.toggle_favourite(bob, image)  # not his: nothing changes
    assert not c.gallery.detail(alice, image).image.favourite
    sky = c.collections.create(alice, "Sky", [image])
    toys = c.collections.create(alice, "Toys")
    assert (sky.image_count, toys.image_count) == (1, 0)
    c.collections.file(alice, image, [toys.id])
    assert c.gallery.detail(alice, image).collection_ids == {toys.id}
    theirs = c.collections.create(bob, "His")
    with pytest.raises(NotFoundError):
        c.collections.file(alice, image, [sky.id, theirs.id])  # one is not hers: nothing changes
    assert c.gallery.detail(alice, image).collection_ids == {toys.id}
    with pytest.raises(NotFoundError):
        c.collections.file(bob, image, [theirs.id])
    assert c.collections.create(bob, "Stolen", [image]).image_count == 0
