"""Public links to single images, on SQLite and PostgreSQL: made by the owner only, with the prompt only when
asked; the page and its picture over HTTP (OpenGraph tags, escaping, no EXIF, the share's size, cache headers);
every way a link ends (revoke, revoke all, image deleted, account erased) answers 404 at once, on another app
instance over the same database too; hostile tokens are 404, never 500; the export lists the links."""

from __future__ import annotations

import csv
import io
import logging
import zipfile
from collections.abc import Callable

import pytest
from PIL import Image
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.testclient import TestClient

from core.container import Container
from core.domain import UserView
from core.domain.privacy import Purpose
from core.errors import NotFoundError, ValidationError
from core.services.erasure import ErasureService
from core.services.privacy import PrivacyService
from core.services.privacy_export import PrivacyExportService
from core.services.shares import ShareService
from core.web.security import security_middleware
from core.web.share_routes import share_routes
from tests.factories import MovableClock, camera_exif, create_form, settle, sign_up

PROMPT = 'a lighthouse at dusk <script>alert("x")</script> & "quotes"'
HOSTILE_TOKENS = [
    "x" * 5000,
    "😀" * 20,
    "%00",
    "a%00b",
    "..%2F..%2Fetc%2Fpasswd",
    "%2e%2e",
    "' OR 1=1 --",
    "\u202eabc",
    "A" * 65,
    "ｆｕｌｌｗｉｄｔｈ",
]


def shares(c: Container) -> ShareService:
    return c.of(ShareService)


def client(c: Container) -> TestClient:
    return TestClient(Starlette(routes=share_routes(lambda: c)))


def an_image(c: Container, user: UserView, prompt: str = PROMPT) -> int:
    job = settle(c, user, c.generation.submit(user, create_form(prompt), c.generation.new_token()).id)
    return job.images[0].id


def store_as(c: Container, image_id: int, data: bytes) -> None:
    """Put these bytes where the image's original is kept (a file with EXIF, say), its size on its row."""
    with c.db.uow() as uow:
        row = uow.images.get(image_id)
        assert row is not None
        with Image.open(io.BytesIO(data)) as picture:
            row.width, row.height = picture.size
        uow.session.add(row)
        uow.commit()
    c.blobs.put(row.blob_key, data, "image/jpeg")


def jpeg_with_exif(size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 90, 160)).save(buffer, "JPEG", exif=camera_exif(), comment=b"taken at home")
    return buffer.getvalue()


def test_only_the_owner_shares_and_the_same_choice_twice_gives_the_same_link(
    containers: Callable[..., Container], database_url: str
) -> None:
    c = containers(database_url)
    alice, bob = sign_up(c), sign_up(c, "bob@example.com")
    image_id = an_image(c, alice)
    with pytest.raises(NotFoundError):
        shares(c).create(bob, image_id, with_prompt=True)
    first = shares(c).create(alice, image_id, with_prompt=False)
    again = shares(c).create(alice, image_id, with_prompt=False)
    with_prompt = shares(c).create(alice, image_id, with_prompt=True)
    assert again.token == first.token and with_prompt.token != first.token
    assert len(first.token) >= 32 and first.path == f"/s/{first.token}"
    assert {s.id for s in shares(c).list_for_image(alice, image_id)} == {first.id, with_prompt.id}
    assert shares(c).list_for_image(bob, image_id) == [] and shares(c).list_for_user(bob) == []
    listed = shares(c).list_for_user(alice)
    assert [s.id for s in listed] == [with_prompt.id, first.id]  # newest first
    assert all(s.thumb_url.startswith("/api/media/") for s in listed)
    assert shares(c).revoke(bob, first.id) is False  # someone else's link is not theirs to end
    assert client(c).get(first.path).status_code == 200


def test_the_page_shows_the_picture_with_escaped_og_tags_and_the_prompt_only_when_shared(
    containers: Callable[..., Container], database_url: str
) -> None:
    c = containers(database_url)
    alice = sign_up(c)
    image_id = an_image(c, alice)
    without = shares(c).create(alice, image_id, with_prompt=False)
    withp = shares(c).create(alice, image_id, with_prompt=True)
    http = client(c)

    page = http.get(without.path)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "lighthouse" not in page.text and "alice" not in page.text.lower()
    assert f'<meta property="og:image" content="http://testserver/s/{without.token}/image.jpg">' in page.text
    for tag in ("og:title", "og:description", "og:image:width", "og:image:height", "og:type", "twitter:card"):
        assert f'"{tag}"' in page.text, tag
    assert '<html lang="en">' in page.text and "<title>" in page.text and 'alt="' in page.text
    assert "prefers-color-scheme:dark" in page.text

    shown = http.get(withp.path).text
    assert "<script>" not in shown and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp;" in shown
    assert '<meta property="og:description" content="a lighthouse at dusk &lt;script&gt;' in shown

    headers = page.headers
    assert headers["cache-control"] == "no-store"
    assert headers["x-robots-tag"].startswith("noindex") and headers["referrer-policy"] == "no-referrer"


def test_og_image_is_absolute_on_the_public_base_url_when_one_is_set(
    containers: Callable[..., Container], database_url: str
) -> None:
    c = containers(database_url, public_base_url="https://atelier.example/")
    alice = sign_up(c)
    share = shares(c).create(alice, an_image(c, alice), with_prompt=False)
    text = client(c).get(share.path).text
    assert f'content="https://atelier.example/s/{share.token}/image.jpg"' in text
    assert f'<meta property="og:url" content="https://atelier.example/s/{share.token}">' in text


def test_the_picture_has_no_exif_is_at_the_shares_size_and_is_revalidated_by_etag(
    containers: Callable[..., Container], database_url: str
) -> None:
    c = containers(database_url)
    alice = sign_up(c)
    image_id = an_image(c, alice)
    store_as(c, image_id, jpeg_with_exif((2400, 1200)))
    share = shares(c).create(alice, image_id, with_prompt=False)
    http = client(c)

    got = http.get(f"{share.path}/image.jpg")
    assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
    assert b"Exif" not in got.content and b"PhoneCo" not in got.content and b"taken at home" not in got.content
    with Image.open(io.BytesIO(got.content)) as served:
        assert served.format == "JPEG" and served.size == (1600, 800)
        assert not served.getexif() and "comment" not in served.info and "icc_profile" not in served.info
    assert got.headers["cache-control"] == "no-cache" and got.headers["x-robots-tag"].startswith("noindex")
    page = http.get(share.path).text
    assert 'content="1600"' in page and 'content="800"' in page  # og:image:width/height say what is served

    etag = got.headers["etag"]
    assert http.get(f"{share.path}/image.jpg", headers={"If-None-Match": etag}).status_code == 304
    shares(c).revoke(alice, share.id)
    assert http.get(f"{share.path}/image.jpg", headers={"If-None-Match": etag}).status_code == 404


def test_a_small_picture_is_never_enlarged(containers: Callable[..., Container], database_url: str) -> None:
    c = containers(database_url)
    alice = sign_up(c)
    image_id = an_image(c, alice)
    store_as(c, image_id, jpeg_with_exif((300, 200)))
    share = shares(c).create(alice, image_id, with_prompt=False)
    with Image.open(io.BytesIO(client(c).get(f"{share.path}/image.jpg").content)) as served:
        assert served.size == (300, 200)


def test_revoke_revoke_all_and_deleting_the_image_end_links_at_once_on_another_instance(
    containers: Callable[..., Container], database_url: str
) -> None:
    one, two = containers(database_url), containers(database_url)  # two app instances, one database
    alice = sign_up(one)
    first, second, third = an_image(one, alice), an_image(one, alice, "a boat"), an_image(one, alice, "a cat")
    a = shares(one).create(alice, first, with_prompt=True)
    b = shares(one).create(alice, second, with_prompt=False)
    c = shares(one).create(alice, third, with_prompt=False)
    other = client(two)
    for share in (a, b, c):
        assert other.get(share.path).status_code == 200  # seen by the second instance: nothing cached
    assert shares(one).revoke(alice, a.id) is True
    assert other.get(a.path).status_code == 404 and other.get(f"{a.path}/image.jpg").status_code == 404
    assert other.get(b.path).status_code == 200

    one.gallery.delete(alice, second)
    assert other.get(b.path).status_code == 404 and other.get(f"{b.path}/image.jpg").status_code == 404

    assert shares(one).revoke_all(alice) == 1
    gone = other.get(c.path)
    assert gone.status_code == 404 and gone.headers["cache-control"] == "no-store"
    assert "does not work" in gone.text and shares(two).list_for_user(alice) == []


@pytest.mark.parametrize("token", HOSTILE_TOKENS)
def test_hostile_tokens_get_a_plain_404_and_no_traceback(
    containers: Callable[..., Container], database_url: str, token: str, caplog: pytest.LogCaptureFixture
) -> None:
    c = containers(database_url)
    http = client(c)
    with caplog.at_level(logging.DEBUG):
        for path in (f"/s/{token}", f"/s/{token}/image.jpg", f"/s/{token}/x/y", "/s/", "/s"):
            answer = http.get(path)
            assert answer.status_code == 404, path
            assert answer.headers["content-type"].startswith("text/html")
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]


def test_the_page_answers_on_the_public_host_through_the_security_middleware(
    containers: Callable[..., Container], database_url: str
) -> None:
    c = containers(database_url)
    alice = sign_up(c)
    share = shares(c).create(alice, an_image(c, alice), with_prompt=False)
    app = Starlette(routes=share_routes(lambda: c), middleware=security_middleware(lambda: ["atelier.example"]))
    http = TestClient(app, base_url="https://atelier.example")
    page = http.get(share.path)
    assert page.status_code == 200
    assert page.headers["referrer-policy"] == "no-referrer"  # ours, not the middleware's same-origin
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert TestClient(app, base_url="http://evil.example").get(share.path).status_code == 400


def test_erasing_the_account_removes_its_shares_and_their_links_404(
    containers: Callable[..., Container], database_url: str
) -> None:
    c = containers(database_url, erasure_grace_days=0)
    alice = sign_up(c, "erin@example.com")
    share = shares(c).create(alice, an_image(c, alice), with_prompt=True)
    c.of(ErasureService).schedule(alice, "erin@example.com")
    assert c.of(ErasureService).run_due() == 1
    assert client(c).get(share.path).status_code == 404
    with c.db.reader() as uow:
        assert uow.session.execute(text("SELECT count(*) FROM shares")).scalar() == 0


def test_the_export_lists_every_link_revoked_ones_included(
    containers: Callable[..., Container], database_url: str
) -> None:
    c = containers(database_url)
    alice, bob = sign_up(c), sign_up(c, "bob@example.com")
    image_id = an_image(c, alice)
    kept = shares(c).create(alice, image_id, with_prompt=True)
    ended = shares(c).create(alice, image_id, with_prompt=False)
    shares(c).revoke(alice, ended.id)
    shares(c).create(bob, an_image(c, bob), with_prompt=False)
    archive = zipfile.ZipFile(io.BytesIO(b"".join(c.of(PrivacyExportService).export(alice.id))))
    rows = list(csv.DictReader(io.StringIO(archive.read("shares.csv").decode("utf-8-sig"))))
    assert {row["link"]: (row["with_prompt"], bool(row["revoked_at"])) for row in rows} == {
        kept.path: ("true", False),
        ended.path: ("false", True),
    }
    assert "shares.csv" in archive.read("README.txt").decode()


def test_the_retention_sweep_deletes_links_revoked_over_30_days_ago_and_keeps_the_rest(
    containers: Callable[..., Container], database_url: str
) -> None:
    clock = MovableClock()
    c = containers(database_url, clock=clock)
    alice = sign_up(c)
    image_id = an_image(c, alice)
    old = shares(c).create(alice, image_id, with_prompt=False)
    shares(c).revoke(alice, old.id)
    clock.advance(days=20)
    recent = shares(c).create(alice, image_id, with_prompt=True)
    shares(c).revoke(alice, recent.id)
    live = shares(c).create(alice, image_id, with_prompt=False)
    clock.advance(days=11)
    assert shares(c).sweep_revoked(clock()) == 1
    with c.db.reader() as uow:
        left = uow.session.execute(text("SELECT id FROM shares ORDER BY id")).scalars().all()
    assert left == [recent.id, live.id]


def test_while_processing_is_restricted_links_show_nothing_and_none_can_be_made(
    containers: Callable[..., Container], database_url: str
) -> None:
    c = containers(database_url)
    alice = sign_up(c)
    image_id = an_image(c, alice)
    share = shares(c).create(alice, image_id, with_prompt=False)
    c.of(PrivacyService).set_choice(alice, Purpose.RESTRICTION, True)
    assert client(c).get(share.path).status_code == 404
    assert client(c).get(f"{share.path}/image.jpg").status_code == 404
    with pytest.raises(ValidationError, match="restricted"):
        shares(c).create(alice, image_id, with_prompt=True)
    c.of(PrivacyService).set_choice(alice, Purpose.RESTRICTION, False)
    assert client(c).get(share.path).status_code == 200
