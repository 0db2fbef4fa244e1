"""The history export over HTTP, on SQLite and PostgreSQL: a user's links give their own history only, as a
CSV that spreadsheets open safely and a ZIP of the untouched originals with that CSV and schema-valid JSON;
the same link gives the same bytes; a bad, old or foreign link gets the media route's 403; memory stays flat."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from core.bootstrap import Container
from core.domain import JobStatus, UserView
from core.domain.export import CSV_COLUMNS
from core.domain.gallery import GalleryFilter
from core.services.export_archive import ExportInterruptedError
from core.signing import Signer
from core.web.export_routes import export_routes
from core.web.media_routes import media_routes
from tests.export_support import changed, noisy_uploads, params, streamed_apart, temporary_files, unzip
from tests.factories import TEST_SECRET, MovableClock, create_form, edit_form, image_bytes, settle, sign_up

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs" / "history-export.schema.json").read_text())
BOM = b"\xef\xbb\xbf"
ALL = GalleryFilter()


def make(c: Container, user: UserView, prompt: str = "red circles", **form: object) -> list[int]:
    job = settle(c, user, c.generation.submit(user, create_form(prompt, **form), c.generation.new_token()).id)
    assert job.status == JobStatus.SUCCEEDED
    return [image.id for image in job.images]


def client_for(c: Container) -> TestClient:
    return TestClient(Starlette(routes=[*export_routes(lambda: c), *media_routes(lambda: c)]))


def csv_rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(BOM)
    reader = csv.DictReader(io.StringIO(data[len(BOM) :].decode("utf-8"), newline=""))
    assert tuple(reader.fieldnames or ()) == CSV_COLUMNS
    return list(reader)


def history(archive: zipfile.ZipFile) -> dict:  # type: ignore[type-arg]
    document = json.loads(archive.read("history.json"))
    jsonschema.validate(document, SCHEMA, format_checker=jsonschema.FormatChecker())
    assert document["image_count"] == len(document["images"])
    return document  # type: ignore[no-any-return]


def named(c: Container, image_id: int, slug: str) -> str:
    """The name the export gives an image: its day (UTC), its prompt's slug and its id."""
    with c.db.reader() as uow:
        image = uow.images.get(image_id)
        assert image is not None
        return f"images/{image.created_at:%Y-%m-%d}_{slug}_{image_id}.png"


def original(c: Container, image_id: int) -> bytes:
    with c.db.reader() as uow:
        image = uow.images.get(image_id)
        assert image is not None
        return c.blobs.get(image.blob_key)


def test_alices_export_holds_only_her_images_even_when_her_filter_names_bobs(
    containers: Callable[..., Container], database_url: str
) -> None:
    c = containers(database_url)
    alice, bob = sign_up(c, "alice@example.com"), sign_up(c, "bob@example.com")
    mine = make(c, alice, "alice one") + make(c, alice, "alice two", num_images=2)
    his = make(c, bob, "bob secret plan")
    his_set = c.collections.create(bob, "Bob private set")
    c.collections.add_images(bob, his_set.id, his)
    client = client_for(c)

    archive = unzip(client.get(c.exports.link(alice, None, "zip")).content)
    assert [int(row["image_id"]) for row in csv_rows(archive.read("history.csv"))] == mine
    assert [image["image_id"] for image in history(archive)["images"]] == mine
    slugs = ["alice-one", "alice-two", "alice-two"]
    assert sorted(n for n in archive.namelist() if n.startswith("images/")) == [
        named(c, i, slug) for i, slug in zip(mine, slugs)
    ]
    assert [row["file"] for row in csv_rows(archive.read("history.csv"))] == [
        named(c, i, slug) for i, slug in zip(mine, slugs)
    ]
    assert [int(row["image_id"]) for row in csv_rows(client.get(c.exports.link(alice, ALL, "csv")).content)] == mine
    assert c.exports.summary(alice).image_count == 3

    for forged in (GalleryFilter(collection=his_set.id), GalleryFilter(image_ids=tuple(his))):
        for fmt in ("zip", "csv"):
            response = client.get(c.exports.link(alice, forged, fmt))
            assert response.status_code == 200
            assert b"bob" not in response.content.lower(), (forged, fmt)
        assert history(unzip(client.get(c.exports.link(alice, forged, "zip")).content))["images"] == []
        assert c.exports.summary(alice, forged).image_count == 0


def test_a_link_cannot_be_turned_to_another_users_history(
    containers: Callable[..., Container], database_url: str
) -> None:
    c = containers(database_url)
    alice, bob = sign_up(c, "alice@example.com"), sign_up(c, "bob@example.com")
    make(c, alice, "alice only")
    his = make(c, bob, "bob only")
    client = client_for(c)
    bobs, alices = c.exports.link(bob, None, "zip"), c.exports.link(alice, None, "csv")
    assert [int(r["image_id"]) for r in csv_rows(unzip(client.get(bobs).content).read("history.csv"))] == his
    assert client.get(changed(bobs, user=str(alice.id))).status_code == 403
    assert client.get(changed(alices, user=str(bob.id))).status_code == 403
    assert client.get(changed(alices, user=f"{alice.id:03d}")).status_code == 403  # same number, other text


def test_the_csv_has_a_bom_its_header_one_row_per_image_and_no_formula_and_reads_back_exactly(
    containers: Callable[..., Container], database_url: str
) -> None:
    c = containers(database_url)
    user = sign_up(c)
    tricky = 'Sky, "quoted" sun;\nsecond line — café 東京 🌅'
    formula = make(c, user, '=HYPERLINK("http://x")')
    text = make(c, user, tricky, num_images=2)
    upload = settle(c, user, c.generation.submit(user, edit_form(upload=image_bytes()), c.generation.new_token()).id)
    response = client_for(c).get(c.exports.link(user, None, "csv"))

    assert response.status_code == 200 and response.headers["content-type"] == "text/csv; charset=utf-8"
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    assert response.headers["content-disposition"] == f'attachment; filename="atelier-history-{today}.csv"'
    assert int(response.headers["content-length"]) == len(response.content)
    rows = {int(r["image_id"]): r for r in csv_rows(response.content)}
    assert len(rows) == 5  # two text-to-image jobs, the upload and its edit
    assert rows[formula[0]]["prompt"] == "'" + '=HYPERLINK("http://x")'
    assert [rows[i]["prompt"] for i in text] == [tricky, tricky]
    assert {rows[i]["cost_credits"] for i in text} == {"1"} and rows[text[0]]["job_cost_credits"] == "2"
    edited = rows[upload.images[0].id]
    assert edited["kind"] == "edit" and rows[int(edited["parent_image_id"])]["source"] == "upload"
    assert rows[int(edited["parent_image_id"])]["cost_credits"] == "0"
    assert rows[formula[0]]["created_at"].endswith("Z") and rows[formula[0]]["favourite"] == "false"


def test_the_gallerys_filter_narrows_the_export_to_what_it_shows(
    containers: Callable[..., Container], database_url: str
) -> None:
    c = containers(database_url)
    user = sign_up(c)
    sunset = make(c, user, "red sunset over water")
    ocean = make(c, user, "blue ocean waves", num_images=2)
    c.gallery.set_favourite(user, ocean[:1], True)
    holiday = c.collections.create(user, "Holiday")
    trip = c.collections.create(user, "=Trip")
    c.collections.add_images(user, holiday.id, ocean)
    c.collections.add_images(user, trip.id, ocean[1:])
    client = client_for(c)

    def ids(gallery_filter: GalleryFilter) -> list[int]:
        return [int(r["image_id"]) for r in csv_rows(client.get(c.exports.link(user, gallery_filter, "csv")).content)]

    assert ids(GalleryFilter(favourites=True)) == ocean[:1]
    assert ids(GalleryFilter(text="sunset")) == sunset
    assert ids(GalleryFilter(collection=holiday.id)) == ocean
    assert ids(ALL) == sunset + ocean  # oldest first
    assert c.exports.summary(user, GalleryFilter(favourites=True)).image_count == 1
    rows = csv_rows(client.get(c.exports.link(user, ALL, "csv")).content)
    assert [r["collections"] for r in rows] == ["", "Holiday", "'=Trip; Holiday"]
    assert [r["favourite"] for r in rows] == ["false", "true", "false"]
    document = history(unzip(client.get(c.exports.link(user, GalleryFilter(text="ocean"), "zip")).content))
    assert document["filter"]["text"] == "ocean" and [i["collections"] for i in document["images"]][1] == [
        "=Trip",
        "Holiday",
    ]


def test_the_zip_holds_the_originals_stored_byte_for_byte_beside_the_csv_and_valid_json(
    containers: Callable[..., Container], database_url: str
) -> None:
    c = containers(database_url)
    user = sign_up(c)
    made = make(c, user, "three moons", num_images=3)
    edit = settle(c, user, c.generation.submit(user, edit_form(source_image_id=made[0]), c.generation.new_token()).id)
    client = client_for(c)
    response = client.get(c.exports.link(user, None, "zip"))

    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    assert int(response.headers["content-length"]) == len(response.content)
    assert response.headers["cache-control"] == "private, no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-disposition"].startswith('attachment; filename="atelier-history-')
    archive = unzip(response.content)
    images = [*(named(c, i, "three-moons") for i in made), named(c, edit.images[0].id, "black-and-white")]
    assert archive.namelist() == ["README.txt", "history.csv", "history.json", *images]
    assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_STORED}
    document = history(archive)
    for item in document["images"]:
        assert archive.read(item["file"]) == original(c, item["image_id"])
        assert item["size_bytes"] == archive.getinfo(item["file"]).file_size
    assert archive.read("history.csv") == client.get(c.exports.link(user, None, "csv")).content
    last = document["images"][-1]
    assert (last["kind"], last["parent_image_id"], last["input_image_ids"]) == ("edit", made[0], [made[0]])
    first_job = [i for i in document["images"] if i["image_id"] in made]
    assert sum(i["cost_credits"] for i in first_job) == first_job[0]["job_cost_credits"] == 3
    assert b"images/" in archive.read("README.txt") and document["schema"] == "atelier-history-export/1"
    expected = c.exports.summary(user).total_bytes_estimate
    assert abs(expected - len(response.content)) < len(response.content) / 10  # what the page says to expect


def test_an_original_gone_from_storage_is_marked_and_left_out_and_the_zip_still_opens(
    containers: Callable[..., Container], database_url: str
) -> None:
    c = containers(database_url)
    user = sign_up(c)
    kept, gone, other = make(c, user, "three stars", num_images=3)
    with c.db.reader() as uow:
        image = uow.images.get(gone)
        assert image is not None
        c.blobs.delete(image.blob_key)
    client = client_for(c)
    response = client.get(c.exports.link(user, None, "zip"))

    assert int(response.headers["content-length"]) == len(response.content)
    archive = unzip(response.content)
    assert [n for n in archive.namelist() if n.startswith("images/")] == [
        named(c, kept, "three-stars"),
        named(c, other, "three-stars"),
    ]
    marked = {i["image_id"]: (i["file"], i["missing"]) for i in history(archive)["images"]}
    assert marked[gone] == (None, True) and marked[kept] == (named(c, kept, "three-stars"), False)
    assert [r["file"] for r in csv_rows(archive.read("history.csv"))][1] == ""
    assert b"1 original could not be found" in archive.read("README.txt")


def test_an_original_deleted_after_the_export_was_prepared_stops_the_download_rather_than_damage_it(
    containers: Callable[..., Container], database_url: str
) -> None:
    c = containers(database_url)
    user = sign_up(c)
    first, second = make(c, user, "two birds", num_images=2)
    download = c.exports.open("zip", params(c.exports.link(user, None, "zip")))
    c.gallery.delete(user, second)  # another tab deletes it while the download waits its turn
    received = bytearray()
    with pytest.raises(ExportInterruptedError):
        for chunk in download:
            received += chunk
    assert 0 < len(received) < download.size  # the browser sees a short download, not a corrupt ZIP
    assert [n for n in unzip(client_for(c).get(c.exports.link(user, None, "zip")).content).namelist()][-1] == (
        named(c, first, "two-birds")
    )


def test_opening_the_same_link_again_gives_the_same_bytes_dated_by_the_link_and_the_images(
    containers: Callable[..., Container], database_url: str
) -> None:
    c = containers(database_url)
    user = sign_up(c)
    made = make(c, user, "twins", num_images=2)
    client = client_for(c)
    link = c.exports.link(user, None, "zip")
    first, second = client.get(link), client.get(link)

    assert first.content == second.content and first.headers["last-modified"] == second.headers["last-modified"]
    issued = datetime.fromtimestamp(int(params(link)["exp"]) - 3600, UTC)
    archive = unzip(first.content)
    assert archive.getinfo("history.csv").date_time == issued.timetuple()[:5] + (issued.second // 2 * 2,)
    with c.db.reader() as uow:
        image = uow.images.get(made[1])
        assert image is not None
        when = image.created_at
    assert archive.getinfo(named(c, made[1], "twins")).date_time == when.timetuple()[:5] + (when.second // 2 * 2,)
    make(c, user, "a third")
    assert len(client.get(link).content) > len(first.content)  # the link is a query, not a frozen file


def test_expired_tampered_foreign_purpose_and_signed_out_links_get_the_media_routes_403(
    containers: Callable[..., Container], database_url: str
) -> None:
    clock = MovableClock(datetime.now(UTC))
    c = containers(database_url, clock=clock)
    signed = c.accounts.sign_in_local("alice@example.com")
    user = signed.user
    make(c, user, "private")
    client = client_for(c)
    link = c.exports.link(user, GalleryFilter(text="private"), "zip")
    assert client.get(link).status_code == 200
    media_403 = client.get("/api/media/" + "a" * 32 + "/original?exp=1&sig=x")
    p = params(link)
    media_sig = Signer(TEST_SECRET.encode(), "media").sign("zip", p["user"], p["sv"], p["exp"], "q=private")
    refused = [
        changed(link, sig=("0" if p["sig"][0] != "0" else "1") + p["sig"][1:]),
        changed(link, exp=str(int(p["exp"]) + 60)),
        changed(link, q="other"),
        changed(link, fav="1"),
        changed(link, sv="1"),
        changed(link, sig=media_sig),
        link.replace("history.zip", "history.csv"),
        link.split("?")[0],
        changed(link, exp="9" * 5000, user="-1"),
    ]
    for url in refused:
        response = client.get(url)
        assert (response.status_code, response.text) == (403, media_403.text), url
    clock.advance(minutes=61)
    assert client.get(link).status_code == 403

    clock.advance(minutes=-61)
    c.accounts.sign_out_everywhere_else(user, signed.session_key)
    assert client.get(link).status_code == 403
    fresh = c.accounts.get(user.id)
    assert fresh is not None and client.get(c.exports.link(fresh, None, "csv")).status_code == 200


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="reads /proc to see open temporary files")
def test_streaming_hundreds_of_images_keeps_memory_far_below_their_size_and_leaves_no_file(
    containers: Callable[..., Container], database_url: str, tmp_path: Path
) -> None:
    c = containers(database_url)
    user = sign_up(c)
    originals = noisy_uploads(c, user, 600)
    link = c.exports.link(user, None, "zip")
    before = temporary_files()

    with c.exports.open("zip", params(link)) as download:
        streamed = sum(len(chunk) for chunk in download)
    assert streamed == download.size > originals > 30_000_000
    assert temporary_files() == before
    measured = streamed_apart(tmp_path, database_url, link, 'c.exports.open("zip", params)')
    assert measured["streamed"] == download.size
    assert measured["peak"] < originals / 8, f"peak {measured['peak']:,} bytes for {originals:,} bytes of images"

    halfway = c.exports.open("zip", params(link))  # a client that goes away in the middle
    chunks = iter(halfway)
    next(chunks), next(chunks)
    assert temporary_files() > before  # this export's CSV and JSON outgrew memory: real files
    halfway.close()
    assert temporary_files() == before
