"""The private media route over HTTP: only valid, unexpired links signed for that image work."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

from starlette.applications import Starlette
from starlette.testclient import TestClient

from core.signing import MediaSigner
from core.web.routes import media_routes
from tests.factories import TEST_SECRET, create_form, sign_up


def client_and_image(containers, database_url: str):  # type: ignore[no-untyped-def]
    c = containers(database_url)
    user = sign_up(c)
    job = c.generation.poll(user, c.generation.submit(user, create_form(), c.generation.new_token()).id)
    return TestClient(Starlette(routes=media_routes(lambda: c))), job.images[0], user


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | changes
    return f"{parts.path}?{urlencode(query)}"


def test_the_owner_link_serves_the_image_and_its_thumbnail(containers, database_url: str) -> None:
    client, image, _ = client_and_image(containers, database_url)
    original = client.get(image.original_url)
    thumb = client.get(image.thumb_url)
    download = client.get(image.download_url)
    assert original.status_code == 200 and original.headers["content-type"] == "image/png"
    assert original.content.startswith(b"\x89PNG")
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/webp"
    assert download.headers["content-disposition"].startswith("attachment")


def test_tampered_guessed_and_expired_links_are_refused(containers, database_url: str) -> None:
    client, image, user = client_and_image(containers, database_url)
    sig = parse_qs(urlsplit(image.original_url).query)["sig"][0]
    expired = MediaSigner(TEST_SECRET.encode(), 3600, lambda: datetime.now(UTC) - timedelta(hours=2))
    forged_owner = MediaSigner(TEST_SECRET.encode(), 3600, lambda: datetime.now(UTC))
    refused = [
        with_query(image.original_url, sig=("0" if sig[0] != "0" else "1") + sig[1:]),
        with_query(image.original_url, exp=str(int(parse_qs(urlsplit(image.original_url).query)["exp"][0]) + 60)),
        image.original_url.replace(f"/{image.id}/", f"/{image.id + 1}/"),
        image.original_url.replace("/original?", "/thumb?"),
        expired.url(image.id, user.id, "original"),
        forged_owner.url(image.id, user.id + 1, "original"),
        f"/api/media/{image.id}/original",
        f"/api/media/{image.id}/original?exp=abc&sig=x",
    ]
    for url in refused:
        assert client.get(url).status_code == 403, url
