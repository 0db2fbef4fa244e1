"""The private media route over HTTP: only valid, unexpired links signed for that very image work."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from sqlalchemy import delete
from sqlmodel import col
from starlette.applications import Starlette
from starlette.testclient import TestClient

from core.signing import MediaSigner
from core.web.media_routes import WHOLE_BYTES, media_routes
from db.tables import LedgerEntry, SignIn, User
from tests.factories import TEST_SECRET, create_form, settle, sign_up


def generate(c, user, **form):  # type: ignore[no-untyped-def]
    return settle(c, user, c.generation.submit(user, create_form(**form), c.generation.new_token()).id)


def client_and_image(containers, database_url: str):  # type: ignore[no-untyped-def]
    c = containers(database_url)
    user = sign_up(c)
    job = generate(c, user)
    return TestClient(Starlette(routes=media_routes(lambda: c))), job.images[0], user, c


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | changes
    return f"{parts.path}?{urlencode(query)}"


def public_id_of(url: str) -> str:
    return urlsplit(url).path.split("/")[3]


def test_the_owner_link_serves_the_image_and_its_thumbnail(containers, database_url: str) -> None:
    client, image, _, _ = client_and_image(containers, database_url)
    original = client.get(image.original_url)
    thumb = client.get(image.thumb_url)
    download = client.get(image.download_url)
    assert original.status_code == 200 and original.headers["content-type"] == "image/png"
    assert original.content.startswith(b"\x89PNG")
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/webp"
    assert download.headers["content-disposition"].startswith("attachment")


def test_a_picture_is_served_whole_whatever_its_size(containers, database_url: str) -> None:
    """Previews and thumbnails go in one body, larger files in chunks: the bytes come back the same either way."""
    client, image, _, c = client_and_image(containers, database_url)
    with c.db.reader() as uow:
        row = uow.images.by_public_id(public_id_of(image.original_url))
    assert row is not None
    large = b"\x89PNG" + bytes(range(256)) * (3 * WHOLE_BYTES // 256)
    c.blobs.put(row.blob_key, large, "image/png")
    for url, expected in ((image.original_url, large), (image.thumb_url, c.blobs.get(row.thumb_key))):
        answer = client.get(url)
        assert answer.status_code == 200 and answer.content == expected
        assert answer.headers["content-length"] == str(len(expected))


def test_a_browser_may_cache_an_image_only_as_long_as_its_link_lives(containers, database_url: str) -> None:
    client, image, _, _ = client_and_image(containers, database_url)
    expires = int(parse_qs(urlsplit(image.original_url).query)["exp"][0])
    asked = datetime.now(UTC).timestamp()
    cache = client.get(image.original_url).headers["cache-control"]
    answered = datetime.now(UTC).timestamp()
    assert cache.startswith("private, max-age=")
    max_age = int(cache.split("max-age=")[1])
    # The server reads its clock somewhere between the two readings here, and may round up by a second.
    assert expires - answered - 5 <= max_age <= expires - asked + 1


def test_tampered_guessed_and_expired_links_are_refused(containers, database_url: str) -> None:
    client, image, _, _ = client_and_image(containers, database_url)
    sig = parse_qs(urlsplit(image.original_url).query)["sig"][0]
    public_id = public_id_of(image.original_url)
    expired = MediaSigner(TEST_SECRET.encode(), 3600, lambda: datetime.now(UTC) - timedelta(hours=2))
    other_secret = MediaSigner(b"another-secret-0123456789abcdefghij", 3600, lambda: datetime.now(UTC))
    refused = [
        with_query(image.original_url, sig=("0" if sig[0] != "0" else "1") + sig[1:]),
        with_query(image.original_url, exp=str(int(parse_qs(urlsplit(image.original_url).query)["exp"][0]) + 60)),
        image.original_url.replace(public_id, ("0" if public_id[0] != "0" else "1") + public_id[1:]),
        image.original_url.replace("/original?", "/thumb?"),
        expired.url(public_id, "original"),
        other_secret.url(public_id, "original"),
        f"/api/media/{public_id}/original",
        f"/api/media/{public_id}/original?exp=abc&sig=x",
    ]
    for url in refused:
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize(
    "path",
    [
        f"/api/media/{2**63}/original?exp=9999999999&sig={'0' * 64}",
        f"/api/media/{2**64 + 1}/thumb?exp={2**70}&sig=abc",
        f"/api/media/-1/original?exp=-5&sig={'0' * 64}",
        "/api/media/1e308/original?exp=1e308&sig=x",
        "/api/media/%00%ff/original?exp=1&sig=1",
        f"/api/media/{'a' * 32}/original?exp={'9' * 5000}&sig={'0' * 64}",
        f"/api/media/{'a' * 5000}/thumb?exp=1&sig=1",
    ],
)
def test_any_malformed_link_gets_403_and_leaves_no_traceback_in_the_logs(
    containers, database_url: str, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    client, _, _, _ = client_and_image(containers, database_url)
    with caplog.at_level(logging.DEBUG):
        assert client.get(path).status_code == 403
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]


def test_a_deleted_image_link_is_refused_and_a_later_image_never_takes_its_place(containers, database_url: str) -> None:
    """The old bug: SQLite gave the next image the deleted one's id, and the link opened the new picture."""
    client, first, user, c = client_and_image(containers, database_url)
    old_original, old_thumb = first.original_url, first.thumb_url
    c.gallery.delete(user, first.id)
    assert client.get(old_original).status_code == 403
    assert client.get(old_thumb).status_code == 403

    second = generate(c, user, prompt="a green field under a violet sky", seed=99).images[0]
    assert second.id != first.id  # ids are never handed out twice, on SQLite too
    assert public_id_of(second.original_url) != public_id_of(old_original)
    assert client.get(old_original).status_code == 403
    assert client.get(second.original_url).status_code == 200


def test_an_erased_accounts_ids_are_never_given_to_the_next_account(containers, database_url: str) -> None:
    c = containers(database_url)
    alice = sign_up(c, "alice@example.com")
    with c.db.uow() as uow:  # erase the newest account the crude way: all its rows go
        uow.session.execute(delete(LedgerEntry).where(col(LedgerEntry.user_id) == alice.id))
        uow.session.execute(delete(SignIn).where(col(SignIn.user_id) == alice.id))
        uow.session.execute(delete(User).where(col(User.id) == alice.id))
        uow.commit()
    bob = sign_up(c, "bob@example.com")
    assert bob.id != alice.id
