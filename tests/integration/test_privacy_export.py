"""The privacy centre's "download everything" over HTTP, on SQLite and PostgreSQL: the ZIP's files by name,
each CSV's header, JSON that the committed schema accepts, the originals byte for byte, nothing of another
user, withheld images by status only, the access request recorded when the link is made, restriction no bar,
and a bad link refused exactly as the history export refuses one."""

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
from core.domain.accounts import Preferences
from core.domain.gallery import GalleryQuery
from core.domain.privacy import Purpose
from core.domain.privacy_export import GENERATION_COLUMNS, TABLE_FILES
from core.identity import ClientInfo
from core.services import privacy_requests
from core.services.policies import PolicyService
from core.services.privacy_export import PrivacyExportService
from core.services.privacy_requests import RequestKind, RequestStatus
from core.web.export_routes import export_routes
from core.web.privacy_export_routes import privacy_export_routes
from db.repositories.consents import ConsentRepository
from db.repositories.privacy_requests import PrivacyRequestRepository
from db.tables import ConsentRecord, Generation, SafetyReview
from tests.export_support import changed, noisy_uploads, params, streamed_apart, temporary_files, unzip
from tests.factories import MovableClock, create_form, settle, sign_up

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs" / "privacy-export.schema.json").read_text())
BOM = b"\xef\xbb\xbf"
FILES = ["README.txt", "profile.json", "generations.json", "generations.csv", *TABLE_FILES]
APP = "http://localhost:8501"


def service(c: Container) -> PrivacyExportService:
    return c.of(PrivacyExportService)


def client_for(c: Container) -> TestClient:
    return TestClient(Starlette(routes=[*privacy_export_routes(lambda: c), *export_routes(lambda: c)]))


def make(c: Container, user: UserView, prompt: str, **form: object) -> list[int]:
    job = settle(c, user, c.generation.submit(user, create_form(prompt, **form), c.generation.new_token()).id)
    assert job.status == JobStatus.SUCCEEDED
    return [image.id for image in job.images]


def everything(c: Container, user: UserView) -> zipfile.ZipFile:
    response = client_for(c).get(service(c).link(user))
    assert response.status_code == 200, response.text
    assert int(response.headers["content-length"]) == len(response.content)
    return unzip(response.content)


def document(archive: zipfile.ZipFile, name: str) -> dict:  # type: ignore[type-arg]
    found = json.loads(archive.read(name))
    jsonschema.validate(found, SCHEMA, format_checker=jsonschema.FormatChecker())
    return found  # type: ignore[no-any-return]


def table(archive: zipfile.ZipFile, name: str) -> tuple[list[str], list[dict[str, str]]]:
    data = archive.read(name)
    assert data.startswith(BOM), name
    reader = csv.DictReader(io.StringIO(data[len(BOM) :].decode("utf-8"), newline=""))
    rows = list(reader)
    return list(reader.fieldnames or ()), rows


def a_full_account(c: Container, email: str, name: str, prompt: str, browser: str = "Firefox") -> UserView:
    """A user with images, a collection, a favourite, preferences, a paid order, a plan, consents, a
    described sign-in, a failed job and a privacy request in their own words."""
    signed = c.accounts.sign_in_local(email, ClientInfo(ip_prefix="203.0.113.0/24", browser=browser, os="Linux"))
    user = c.accounts.rename(signed.user, name)
    made = make(c, user, prompt, num_images=2)
    album = c.collections.create(user, f"{name} album")
    c.collections.add_images(user, album.id, made[:1])
    c.gallery.set_favourite(user, made[1:], True)
    c.accounts.save_preferences(user, Preferences(num_images=3))
    c.billing.buy(user, "pack-starter", "demo", APP)
    c.billing.buy(user, "plan-monthly", "demo", APP)
    now = datetime.now(UTC)
    with c.db.uow() as uow:
        for purpose, granted in ((Purpose.TRAINING, True), (Purpose.TRAINING, False), (Purpose.ANALYTICS, True)):
            uow.of(ConsentRepository).add(
                ConsentRecord(
                    user_id=user.id,
                    purpose=purpose,
                    granted=granted,
                    policy_version="2026-12-01",
                    source="privacy_centre",
                )
            )
            uow.flush()  # one insert each: db/text_guard.py reads a batched insert's rows wrongly
        uow.generations.add(
            Generation(
                id=c.generation.new_token(),
                user_id=user.id,
                kind="text_to_image",
                status="failed",
                prompt=f"{prompt} that failed",
                model="offline-draw",
                aspect_ratio="1:1",
                seed=7,
                num_images=1,
                output_format="png",
                cost=1,
                created_at=now,
            )
        )
        privacy_requests.record(
            uow, user.id, RequestKind.RECTIFICATION, now, status=RequestStatus.RECEIVED, detail=f"{name} is misspelt"
        )
        uow.commit()
    found = c.accounts.get(user.id)
    assert found is not None
    return found


def test_everything_holds_every_named_file_with_its_header_json_the_schema_accepts_and_the_originals(
    containers: Callable[..., Container], database_url: str
) -> None:
    c = containers(database_url)
    user = a_full_account(c, "alice@example.com", "Alice Liddell", "white rabbit")
    link = service(c).link(user)
    response = client_for(c).get(link)

    assert response.headers["content-type"] == "application/zip"
    assert response.headers["cache-control"] == "private, no-store"
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    assert response.headers["content-disposition"] == f'attachment; filename="atelier-{today}-everything.zip"'
    archive = unzip(response.content)
    names = archive.namelist()
    assert names[: len(FILES)] == FILES
    assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_STORED}

    profile = document(archive, "profile.json")
    assert profile["document"] == "profile" and profile["policy_version"] == c.of(PolicyService).current_version()
    assert profile["storage_region"] == c.settings.data_region
    assert (profile["account"]["email"], profile["account"]["display_name"]) == ("alice@example.com", "Alice Liddell")
    assert profile["account"]["credit_balance"] == user.balance and profile["preferences"]["num_images"] == 3
    assert [p["status"] for p in profile["plans"]] == ["active"]

    generations = document(archive, "generations.json")
    assert generations["document"] == "generations"
    assert [(j["status"], len(j["images"])) for j in generations["generations"]] == [("succeeded", 2), ("failed", 0)]
    made = generations["generations"][0]
    assert made["prompt"] == "white rabbit" and sum(i["cost_credits"] for i in made["images"]) == made["charged"]
    assert [i["collections"] for i in made["images"]] == [["Alice Liddell album"], []]
    assert [i["favourite"] for i in made["images"]] == [False, True]
    assert profile["collections"][0]["image_public_ids"] == [made["images"][0]["public_id"]]
    files = [i["file"] for i in made["images"]]
    assert [f.split("_", 1)[1] for f in files] == [f"white-rabbit_{i['image_id']}.png" for i in made["images"]]
    assert sorted(n for n in names if n.startswith("images/")) == sorted(files)
    for item in made["images"]:
        with c.db.reader() as uow:
            image = uow.images.get(item["image_id"])
            assert image is not None
        assert archive.read(item["file"]) == c.blobs.get(image.blob_key)
    # The same originals under the same names as the gallery's history ZIP.
    history = unzip(client_for(c).get(c.exports.link(user, None, "zip")).content)
    assert [n for n in history.namelist() if n.startswith("images/")] == files

    header, rows = table(archive, "generations.csv")
    assert tuple(header) == GENERATION_COLUMNS
    assert [(r["status"], r["image_id"] != "") for r in rows] == [("succeeded", True)] * 2 + [("failed", False)]
    for name, columns in TABLE_FILES.items():
        assert tuple(table(archive, name)[0]) == columns, name
    credits = table(archive, "credits.csv")[1]
    assert int(credits[-1]["balance_after"]) == user.balance
    assert [o["offer"] for o in table(archive, "orders.csv")[1]] and all(
        o["status"] for o in table(archive, "orders.csv")[1]
    )
    assert [(r["purpose"], r["granted"]) for r in table(archive, "consents.csv")[1]] == [
        ("training", "true"),
        ("training", "false"),
        ("analytics", "true"),
    ]
    assert table(archive, "sign_ins.csv")[1][0]["browser"] == "Firefox"
    requests = table(archive, "privacy_requests.csv")[1]
    assert [(r["kind"], r["status"]) for r in requests] == [("rectification", "received"), ("access", "completed")]
    readme = archive.read("README.txt").decode()
    for needed in (
        *FILES,
        "images/",
        c.settings.data_region,
        c.of(PolicyService).current_version(),
        "privacy-export.schema.json",
    ):
        assert needed in readme, needed
    assert "nothing of any other user" in readme
    expected = service(c).summary(user)
    assert expected.image_count == 2 and expected.generation_count == 2
    assert abs(expected.total_bytes_estimate - len(response.content)) < len(response.content) / 4


def test_nothing_of_another_user_with_similar_data_is_anywhere_in_the_archive(
    containers: Callable[..., Container], database_url: str
) -> None:
    c = containers(database_url)
    alice = a_full_account(c, "alice@example.com", "Alice Liddell", "white rabbit")
    bob = a_full_account(c, "bob@example.net", "Bobby Tables", "cheshire grin", browser="Safari")
    assert b"Bobby Tables" in everything(c, bob).read("profile.json")  # his own download, his request
    archive = everything(c, alice)
    raw = b"".join(archive.read(name) for name in archive.namelist())

    with c.db.reader() as uow:
        his_images = uow.images.find(bob.id, GalleryQuery())
        his_requests = uow.of(PrivacyRequestRepository).for_user(bob.id)
    theirs = [b"bob@example.net", b"Bobby Tables", b"cheshire grin", b"Safari"]
    theirs += [image.public_id.encode() for image in his_images]
    theirs += [c.blobs.get(image.blob_key) for image in his_images]  # his originals, byte for byte
    theirs += [order.public_id.encode() for order in c.billing.orders(bob).items]
    theirs += [request.reference.encode() for request in his_requests]
    assert len(his_images) == 2 and len(his_requests) == 2
    for needle in theirs:
        assert needle not in raw, needle[:40]
    for mine in (b"alice@example.com", b"Alice Liddell", b"white rabbit", b"Firefox"):
        assert mine in raw
    assert len(table(archive, "sign_ins.csv")[1]) == 1 and len(table(archive, "orders.csv")[1]) == 2


def test_withheld_images_appear_by_review_status_only_never_their_bytes(
    containers: Callable[..., Container], database_url: str
) -> None:
    c = containers(database_url)
    user = sign_up(c)
    make(c, user, "a quiet pond")
    secret = b"\x89PNG withheld bytes that must never leave the withheld store"
    c.withheld.put("u1/withheld.png", secret, "image/png")
    with c.db.uow() as uow:
        job = uow.generations.recent_for_user(user.id, 1)[0]
        uow.session.add(
            SafetyReview(
                public_id="f" * 32,
                user_id=user.id,
                generation_id=job.id,
                position=1,
                blob_key="u1/withheld.png",
                content_type="image/png",
                status="pending",
                requested_at=datetime.now(UTC),
            )
        )
        uow.commit()
    archive = everything(c, user)

    withheld = document(archive, "generations.json")["generations"][0]["withheld"]
    assert [(w["position"], w["status"]) for w in withheld] == [(1, "pending")]
    assert table(archive, "generations.csv")[1][0]["withheld"] == "1: pending"
    assert all(secret not in archive.read(name) for name in archive.namelist())


def test_making_the_link_records_a_completed_access_request_and_restriction_does_not_stop_it(
    containers: Callable[..., Container], database_url: str
) -> None:
    c = containers(database_url)
    user = sign_up(c)
    make(c, user, "kept while restricted")
    with c.db.uow() as uow:
        uow.of(ConsentRepository).add(
            ConsentRecord(user_id=user.id, purpose=Purpose.RESTRICTION, granted=True, policy_version="1", source="t")
        )
        uow.commit()
    link = service(c).link(user)
    with c.db.reader() as uow:
        recorded = uow.of(PrivacyRequestRepository).for_user(user.id)
    assert [(r.kind, r.status, r.completed_at is not None) for r in recorded] == [("access", "completed", True)]
    client = client_for(c)
    assert client.get(link).status_code == 200
    assert client.get(link).status_code == 200  # opening it again is the same download, not a new request
    with c.db.reader() as uow:
        assert len(uow.of(PrivacyRequestRepository).for_user(user.id)) == 1


def test_a_bad_expired_foreign_or_signed_out_link_is_refused_as_the_history_export_refuses_one(
    containers: Callable[..., Container], database_url: str
) -> None:
    clock = MovableClock(datetime.now(UTC))
    c = containers(database_url, clock=clock)
    signed = c.accounts.sign_in_local("alice@example.com")
    user, bob = signed.user, sign_up(c, "bob@example.com")
    client = client_for(c)
    link = service(c).link(user)
    assert client.get(link).status_code == 200
    history_403 = client.get(changed(c.exports.link(user, None, "zip"), sig="0" * 64))
    p = params(link)
    refused = [
        changed(link, sig=("0" if p["sig"][0] != "0" else "1") + p["sig"][1:]),
        changed(link, user=str(bob.id)),
        changed(link, exp=str(int(p["exp"]) + 60)),
        changed(link, sv="7"),
        link.replace("everything.zip", "history.zip"),  # its signature is for everything only
        c.exports.link(user, None, "zip").replace("history.zip", "everything.zip"),
        link.split("?")[0],
        changed(link, exp="9" * 5000, user="-1"),
    ]
    for url in refused:
        response = client.get(url)
        assert (response.status_code, response.text) == (403, history_403.text), url
    clock.advance(minutes=61)
    assert client.get(link).status_code == 403
    clock.advance(minutes=-61)
    c.accounts.sign_out_everywhere_else(user, signed.session_key)
    assert client.get(link).status_code == 403


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="reads /proc to see open temporary files")
def test_streaming_hundreds_of_images_keeps_memory_far_below_their_size_and_leaves_no_file(
    containers: Callable[..., Container], database_url: str, tmp_path: Path
) -> None:
    c = containers(database_url)
    user = sign_up(c)
    originals = noisy_uploads(c, user, 600)
    link = service(c).link(user)
    before = temporary_files()

    with service(c).open(params(link)) as download:
        streamed = sum(len(chunk) for chunk in download)
    assert streamed == download.size > originals > 30_000_000
    assert temporary_files() == before
    measured = streamed_apart(
        tmp_path,
        database_url,
        link,
        "c.of(PrivacyExportService).open(params)",
        setup="from core.services.privacy_export import PrivacyExportService",
    )
    assert measured["streamed"] == download.size
    # A fifth, not the history's eighth: this export has ten small files of its own, each held in memory
    # until it outgrows SPOOL_BYTES (256 KB), besides the ZIP's megabyte chunks; the images add nothing.
    assert measured["peak"] < originals / 5, f"peak {measured['peak']:,} bytes for {originals:,} bytes of images"
