"""Favourites, collections and the history download in a real browser: star an image on its card, make a
collection and file selected images in it, show that collection (its URL can be bookmarked), then download
it as a ZIP and check what is inside: the originals, a CSV row for each, and JSON that meets the schema."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import jsonschema
import pytest
from playwright.sync_api import Page, expect

from core.bootstrap import Container
from core.domain import UserView
from tests.e2e.seed import make_images, seeded_container, sign_in_by_cookie
from tests.e2e.server import RunningServer
from tests.e2e.still import settle
from tests.factories import create_form
from tests.waiting import wait_until

pytestmark = pytest.mark.e2e

EMAIL = "boards@example.com"
SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "history-export.schema.json"
PROMPTS = ["a quiet harbour at dawn", "a harbour crane in fog", "a =SUM(A1) sign in a field"]


@pytest.fixture(scope="module")
def made(atelier: RunningServer) -> Iterator[tuple[Container, UserView, list[int]]]:
    """Three images of EMAIL's, oldest first, made through the services over the server's own database."""
    c = seeded_container(atelier)
    user = c.accounts.sign_in_local(EMAIL).user
    ids = make_images(c, user, [create_form(prompt) for prompt in PROMPTS])
    yield c, user, ids
    c.db.engine.dispose()


def open_gallery(page: Page, atelier: RunningServer) -> None:
    """The gallery by its address, signed in by cookie (the sign-in form has tests of its own)."""
    sign_in_by_cookie(page.context, atelier, EMAIL)
    page.goto("/gallery")


def eventually(check: Callable[[], bool], page: Page) -> None:
    """The click's run has reached the database (a person would see the star stay filled)."""
    wait_until(check, what="the change reached the database", page=page)


def tile(page: Page, image_id: int):  # type: ignore[no-untyped-def]
    return page.locator(f'.tile[data-id="{image_id}"]')


def open_in_sheet(page: Page, section: str) -> None:
    """The gallery's sheet ("Filters and more"), and in it the section `section` (Collections, Download)."""
    page.get_by_role("button", name=re.compile("^Filters and more")).click()
    page.get_by_test_id("stPopoverBody").locator("summary").filter(has_text=section).click()


def test_star_file_in_a_collection_show_it_and_download_it_as_a_zip_that_meets_the_schema(
    page: Page, atelier: RunningServer, made: tuple[Container, UserView, list[int]]
) -> None:
    c, user, (first, second, third) = made
    open_gallery(page, atelier)
    expect(page.locator(".tile img")).to_have_count(3)

    tile(page, second).get_by_role("button", name="Add to favourites").click()
    expect(tile(page, second).get_by_role("button", name="Remove from favourites")).to_be_visible()
    eventually(lambda: c.gallery.detail(user, second).image.favourite, page)

    open_in_sheet(page, "Collections")
    page.get_by_label("New collection").fill("Harbours")
    page.get_by_role("button", name="Create", exact=True).click()
    settle(page)
    page.keyboard.press("Escape")
    page.get_by_text("Select", exact=True).click()
    expect(page.get_by_text("Click or tap images to select them.")).to_be_visible()  # the grid now selects
    expect(tile(page, first).get_by_role("checkbox")).to_be_visible()
    tile(page, first).click()
    expect(page.get_by_text("1 image selected")).to_be_visible()
    tile(page, second).click()
    expect(page.get_by_text("2 images selected")).to_be_visible()
    page.get_by_role("button", name=re.compile("Add to collection")).click()
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_text("Added 2 images to the collection.")).to_be_visible()
    settle(page)

    open_in_sheet(page, "Collections")
    page.get_by_role("button", name=re.compile("Harbours · 2 images")).click()
    expect(page).to_have_url(re.compile(r"/gallery\?collection=\d+$"))
    expect(page.locator(".tile img")).to_have_count(2)
    page.reload()  # the view is in the URL: a bookmark shows the same
    expect(page.locator(".tile img")).to_have_count(2)
    page.go_back()  # and Back and Forward step through the views
    expect(page).to_have_url(re.compile(r"/gallery$"))
    expect(page.locator(".tile img")).to_have_count(3)
    page.go_forward()
    expect(page).to_have_url(re.compile(r"/gallery\?collection=\d+$"))
    expect(page.locator(".tile img")).to_have_count(2)
    settle(page)

    open_in_sheet(page, "Download")
    page.get_by_text("This view (2 images)").click()
    page.get_by_role("button", name="Prepare download").click()
    link = page.get_by_role("link", name=re.compile("Download ZIP"))
    expect(link).to_be_visible()
    answer = page.request.get(str(link.get_attribute("href")))
    assert answer.ok and answer.headers["content-type"] == "application/zip"
    body = answer.body()
    assert int(answer.headers["content-length"]) == len(body)

    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        images = sorted(n for n in archive.namelist() if n.startswith("images/"))
        rows = list(csv.DictReader(io.StringIO(archive.read("history.csv").decode("utf-8-sig"))))
        data = json.loads(archive.read("history.json"))
        assert all(archive.getinfo(n).compress_type == zipfile.ZIP_STORED for n in images)
    assert len(images) == 2 and {int(r["image_id"]) for r in rows} == {first, second}
    starred = next(r for r in rows if int(r["image_id"]) == second)
    assert starred["favourite"] == "true" and starred["collections"] == "Harbours"
    jsonschema.validate(data, json.loads(SCHEMA.read_text()))
    assert {item["image_id"] for item in data["images"]} == {first, second}
    assert third not in {item["image_id"] for item in data["images"]}
