"""Every page opened with hand-edited query parameters, on SQLite and on PostgreSQL: it renders, shows what a
person expects (the plain gallery, or the value left out; never another user's image or receipt) and logs
none of the values."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.bootstrap import Container, app_container
from core.domain.gallery import GalleryFilter, GalleryQuery
from pages.components.guard import LOCAL_KEY
from tests.app.test_gallery import facts, grid, make, warnings
from tests.billing_support import pending_order
from tests.factories import TEST_SECRET
from tests.hostile_urls import HOSTILE_VALUES, INT4_MAX

ROOT = Path(__file__).resolve().parents[2]
ALICE, BOB, ADMIN = "alice@example.com", "bob@example.com", "admin@example.com"
BOBS_PROMPT = "bob's private lighthouse"
NOT_YOURS = "That image is not in your gallery: it may have been deleted, or the link is not yours."
NO_RECEIPT = "That receipt does not exist."
# Every parameter any page reads, so that a page reading one it should not is caught too.
GALLERY_PARAMS = ("q", "model", "kind", "aspect", "from", "to", "fav", "collection", "sort", "size", "after")
ALL_PARAMS = (
    *GALLERY_PARAMS,
    *("before", "ids", "view", "image"),
    *("receipt", "return", "order", "canceled", "checkout", "checkout_id", "signin", "experiment"),
)
QUIET_PAGES = (  # pages that read no parameter: each must still render with any of them
    ("pages/generate.py", ALICE, "Generate"),
    ("pages/credits.py", ALICE, "Credits"),
    ("pages/account.py", ALICE, "Account"),
    ("pages/admin_users.py", ADMIN, "Users"),
    ("pages/admin_audit.py", ADMIN, "Audit log"),
)
Params = dict[str, str | list[str]]


@dataclass(frozen=True)
class Seeded:
    c: Container
    alice_images: list[int]  # newest first, as the gallery shows them
    bobs_image: int
    deleted_collection: int
    alices_receipt: str
    bobs_receipt: str


@pytest.fixture
def app_db(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Container]:
    """The app as tests/app/conftest.py opens it, but over this test's database (SQLite or PostgreSQL)."""
    for key, value in {
        "APP_ENV": "test",
        "DATA_DIR": str(tmp_path),
        "DATABASE_URL": database_url,
        "MEDIA_SECRET": TEST_SECRET,
        "OFFLINE_ENGINE_DELAY_SECONDS": "0",
        "STARTER_CREDITS": "20",
        "ADMIN_EMAILS": ADMIN,
        "STREAMLIT_SECRETS_FILES": str(tmp_path / "no-secrets.toml"),
    }.items():
        monkeypatch.setenv(key, value)
    app_container.cache_clear()
    yield app_container()
    app_container().db.engine.dispose()
    app_container.cache_clear()


@pytest.fixture
def seeded(app_db: Container) -> Seeded:
    c = app_db
    alice, bob = c.accounts.sign_in_local(ALICE).user, c.accounts.sign_in_local(BOB).user
    mine = [make(c, alice, prompt).images[0].id for prompt in ("a ginger cat", "a dog on the beach")]
    bobs = make(c, bob, BOBS_PROMPT).images[0].id
    gone = c.collections.create(alice, "Soon gone", [mine[0]]).id
    c.collections.delete(alice, gone)
    return Seeded(c, mine[::-1], bobs, gone, pending_order(c, alice, "demo"), pending_order(c, bob, "demo"))


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every log record of the test, Streamlit's own too (its loggers pass no record to the root)."""
    streamlit_log = logging.getLogger("streamlit")
    streamlit_log.addHandler(caplog.handler)
    caplog.set_level(logging.INFO)
    yield caplog
    streamlit_log.removeHandler(caplog.handler)


def tab(c: Container, page: str, email: str | None) -> AppTest:
    """A browser tab on `page`, signed in as `email` (None: a guest, who gets the sign-in screen)."""
    at = AppTest.from_file(str(ROOT / page), default_timeout=30)
    if email is not None:
        at.session_state[LOCAL_KEY] = c.accounts.sign_in_local(email).session_key
    return at


def load(at: AppTest, params: Params, logged: pytest.LogCaptureFixture) -> AppTest:
    """The page loaded with exactly these parameters; it must render and log none of their values."""
    at.query_params = dict(params)
    at.run()
    values = {v for value in params.values() for v in ([value] if isinstance(value, str) else value)}
    for value in values:
        if len(value) >= 4 or not value.isascii():  # a short ASCII value ("0", "-1") occurs in any log
            assert value not in logged.text, f"a log record holds {value[:40]!r}"
    assert not at.exception, [e.message for e in at.exception]
    return at


def everywhere(value: str) -> Params:
    return dict.fromkeys(ALL_PARAMS, value)


def spread(values: tuple[str, ...] = HOSTILE_VALUES) -> Iterator[Params]:
    """Runs that together put every value in some parameter, a different value in each parameter of a run."""
    width = len(ALL_PARAMS)
    for start in range(0, len(values), width):
        yield {name: values[(start + i) % len(values)] for i, name in enumerate(ALL_PARAMS)}


def shown_text(at: AppTest) -> str:
    kinds = ("markdown", "text", "caption", "info", "warning", "error", "success", "title", "subheader")
    return "\n".join(str(e.value) for kind in kinds for e in at.get(kind))


def ids_shown(at: AppTest) -> list[int]:
    if at.dataframe:  # the table view: each row links to its image
        return [int(link.rsplit("image=", 1)[1]) for link in at.dataframe[0].value["Open"]]
    return [int(item["id"]) for item in grid(at)]


def assert_plain_or_nothing_matches(at: AppTest, s: Seeded, value: str) -> None:
    """The plain gallery when nothing could be read, or (a search or model name kept as text) no match;
    never someone else's image."""
    shown = ids_shown(at)
    if shown:
        assert shown == s.alice_images, repr(value[:40])
    else:
        assert any("No images match" in str(i.value) for i in at.info), repr(value[:40])
    assert BOBS_PROMPT not in shown_text(at)


# -- the defects the probe found, each on the database it broke ---------------------------------------------

PROBE = (
    ("image", str(INT4_MAX + 1)),  # PostgreSQL: NumericValueOutOfRange, as for each id below
    ("after", str(INT4_MAX + 1)),
    ("before", str(INT4_MAX + 1)),
    ("collection", str(INT4_MAX + 1)),
    ("ids", f"{{mine}},{INT4_MAX + 1}"),
    ("image", "99999999999999999999"),  # SQLite: OverflowError
    ("to", "9999-12-31"),  # both: date_to + 1 day overflows
    ("image", "²"),  # both: isdigit() takes it, int() does not
    ("image", "١"),  # both: read as image 1
)


def test_each_value_the_probe_broke_the_gallery_with_is_left_out(
    seeded: Seeded, logged: pytest.LogCaptureFixture
) -> None:
    s, oldest = seeded, seeded.alice_images[-1]
    for name, value in PROBE:
        value = value.format(mine=oldest)
        at = load(tab(s.c, "pages/gallery.py", ALICE), {name: value}, logged)  # a fresh tab, as a link opens
        if name == "ids":  # the id that can be read still picks its image
            assert ids_shown(at) == [oldest]
            continue
        assert ids_shown(at) == s.alice_images, name  # the plain gallery
        assert not at.table, name  # no image open: ?image=١ is not image 1
        assert warnings(at) == ([NOT_YOURS] if name == "image" else []), name
    alice = s.c.accounts.sign_in_local(ALICE).user  # and the query itself runs until the last day there is
    whole = GalleryQuery(GalleryFilter(date_from=date.min, date_to=date.max))
    assert [i.id for i in s.c.gallery.grid(alice, whole).images.items] == s.alice_images


def test_the_last_values_a_column_holds_are_read_and_change_only_what_they_name(
    seeded: Seeded, logged: pytest.LogCaptureFixture
) -> None:
    s = seeded
    at = tab(s.c, "pages/gallery.py", ALICE)
    load(at, {"from": "0001-01-01", "to": "9999-12-30"}, logged)  # the widest days: every image
    assert ids_shown(at) == s.alice_images and "Clear filters" in [b.label for b in at.button]  # read, and on
    load(at, {"image": str(INT4_MAX)}, logged)  # the largest id: no image of hers
    assert ids_shown(at) == s.alice_images and warnings(at) == [NOT_YOURS]
    load(at, {"after": str(INT4_MAX)}, logged)  # every image is older than the largest id
    assert ids_shown(at) == s.alice_images
    load(at, {"collection": str(INT4_MAX)}, logged)  # no such collection: it still filters
    assert not grid(at) and "This collection is empty" in at.info[0].value


# -- every page, every hostile value -------------------------------------------------------------------------


def test_the_gallery_reads_every_hostile_value_as_nothing_or_as_text(
    seeded: Seeded, logged: pytest.LogCaptureFixture
) -> None:
    s = seeded
    at = tab(s.c, "pages/gallery.py", ALICE)
    for value in HOSTILE_VALUES:
        load(at, everywhere(value), logged)
        assert_plain_or_nothing_matches(at, s, value)
        assert warnings(at) == [NOT_YOURS]  # ?image= was there and named no image of hers
        assert at.text_input(key="gallery.filter.text").value in ("", value.strip()[:200].strip())  # text, or out
        assert at.session_state["gallery.filter.collection"] == 0  # "Any collection"
        assert (at.session_state["gallery.filter.from"], at.session_state["gallery.filter.to"]) == (None, None)
    for params in spread():  # an image of hers open, the rest left out around it
        load(at, {**params, "image": str(s.alice_images[-1])}, logged)
        assert facts(at)["Cost"] == "1 credit" and not warnings(at)  # her image is open
        assert_plain_or_nothing_matches(at, s, "")
    for params in spread():  # the table view
        load(at, {**params, "view": "table"}, logged)
        assert at.session_state["gallery.view"] == "table" and not grid(at)
        assert_plain_or_nothing_matches(at, s, "")
    load(at, {"collection": str(s.deleted_collection)}, logged)  # a deleted collection of hers still filters
    assert not grid(at) and "This collection is empty" in at.info[0].value
    for params in ({"image": str(s.bobs_image)}, {"ids": str(s.bobs_image)}, {"after": str(s.bobs_image + 1)}):
        load(at, params, logged)  # someone else's image, by any parameter
        assert BOBS_PROMPT not in shown_text(at) and s.bobs_image not in ids_shown(at)


def test_billing_reads_every_hostile_value_as_nothing_or_as_an_unknown_receipt(
    seeded: Seeded, logged: pytest.LogCaptureFixture
) -> None:
    s = seeded
    at = tab(s.c, "pages/billing.py", ALICE)
    for value in HOSTILE_VALUES:
        text = shown_text(load(at, everywhere(value), logged))
        assert s.bobs_receipt.upper() not in text and s.alices_receipt.upper() not in text
        assert "Balance" in [m.label for m in at.metric] or NO_RECEIPT in text, repr(value[:40])
    for params in spread():  # a receipt of hers, a checkout's return parameters hostile around it
        load(at, {**params, "receipt": s.alices_receipt}, logged)
        assert f"Receipt {s.alices_receipt.upper()}" in shown_text(at)
    load(at, {"receipt": s.bobs_receipt}, logged)
    assert NO_RECEIPT in shown_text(at) and s.bobs_receipt.upper() not in shown_text(at)


def test_the_lab_reads_every_hostile_value_as_nothing_or_as_an_unknown_experiment(
    seeded: Seeded, logged: pytest.LogCaptureFixture
) -> None:
    at = tab(seeded.c, "pages/lab.py", ADMIN)  # an admin is a team member too
    for value in HOSTILE_VALUES:
        text = shown_text(load(at, everywhere(value), logged))
        assert "Lab" in [t.value for t in at.title] or "That experiment does not exist" in text, repr(value[:40])
    load(at, {"experiment": str(INT4_MAX)}, logged)
    assert "That experiment does not exist" in shown_text(at)
    bob = tab(seeded.c, "pages/lab.py", BOB)  # a user gets the refusal whatever the address says
    load(bob, {"experiment": "1"}, logged)
    assert "This page is for the team" in shown_text(bob) and not bob.tabs


def test_a_page_that_reads_no_parameter_renders_with_any_of_them(
    seeded: Seeded, logged: pytest.LogCaptureFixture
) -> None:
    for page, email, title in QUIET_PAGES:
        at = tab(seeded.c, page, email)
        for params in spread():
            load(at, {**params, "image": list(params.values())}, logged)  # one parameter given many times
            assert title in [t.value for t in at.title], page


def test_the_sign_in_screen_reads_no_hostile_value_as_a_failed_hand_off(
    app_db: Container, logged: pytest.LogCaptureFixture
) -> None:
    at = tab(app_db, "app.py", None)
    for value in HOSTILE_VALUES:
        load(at, everywhere(value), logged)
        assert "Sign in to Atelier" in [t.value for t in at.title] and not at.warning
