"""BLOB_STORE=s3 end to end, on moto's S3 server: images land in the bucket under "<S3_PREFIX>media/", encrypted;
the media route checks our signed link, then streams them from the bucket, or with MEDIA_REDIRECT sends the browser
to a presigned address of the bucket that really serves the file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from core.blob_cipher import MAGIC
from core.errors import ConfigurationError
from core.signing import MediaSigner
from core.web.media_routes import media_routes
from tests.factories import TEST_SECRET, create_form, settings_for, settle, sign_up
from tests.s3_server import S3Server


def on_s3(containers, database_url: str, s3_server: S3Server, **settings: object):  # type: ignore[no-untyped-def]
    bucket = s3_server.new_bucket()
    c = containers(database_url, **s3_server.settings(), s3_bucket=bucket, s3_prefix="atelier/", **settings)
    user = sign_up(c)
    job = settle(c, user, c.generation.submit(user, create_form(), c.generation.new_token()).id)
    return c, TestClient(Starlette(routes=media_routes(lambda: c))), job.images[0], bucket


def stored_keys(s3_server: S3Server, bucket: str) -> list[str]:
    return [found["Key"] for found in s3_server.client.list_objects_v2(Bucket=bucket).get("Contents", ())]


def test_images_are_stored_encrypted_in_the_bucket_and_streamed_back_through_the_signed_link(
    containers, database_url: str, s3_server: S3Server
) -> None:
    c, client, image, bucket = on_s3(containers, database_url, s3_server)
    keys = stored_keys(s3_server, bucket)
    assert keys and all(key.startswith("atelier/media/") for key in keys)
    raw = s3_server.client.get_object(Bucket=bucket, Key=keys[0])["Body"].read()
    assert raw.startswith(MAGIC)  # the bucket holds ciphertext only

    original = client.get(image.original_url)
    assert original.status_code == 200 and original.headers["content-type"] == "image/png"
    assert original.content.startswith(b"\x89PNG")
    assert int(original.headers["content-length"]) == len(original.content)
    assert client.get(image.thumb_url).content.startswith(b"RIFF")  # the WebP thumbnail

    public_id = urlsplit(image.original_url).path.split("/")[3]
    expired = MediaSigner(TEST_SECRET.encode(), 3600, lambda: datetime.now(UTC) - timedelta(hours=2))
    assert client.get(expired.url(public_id, "original")).status_code == 403
    assert client.get(image.original_url.replace("sig=", "sig=0")).status_code == 403


def test_with_media_redirect_the_browser_is_sent_to_a_presigned_address_that_serves_the_file(
    containers, database_url: str, s3_server: S3Server
) -> None:
    _, client, image, _ = on_s3(
        containers, database_url, s3_server, encrypt_blobs=False, media_redirect=True, media_redirect_seconds=120
    )
    answer = client.get(image.download_url, follow_redirects=False)
    assert answer.status_code == 307
    location = answer.headers["location"]
    assert location.startswith(s3_server.url) and "X-Amz-Expires=120" in location
    assert answer.headers["cache-control"] == "private, max-age=60"  # half the address's life, at most

    from_bucket = httpx.get(location)  # what the browser does next: straight to the store, no app in between
    assert from_bucket.status_code == 200 and from_bucket.content.startswith(b"\x89PNG")
    assert from_bucket.headers["content-type"] == "image/png"
    assert from_bucket.headers["content-disposition"].startswith("attachment")

    public_id = urlsplit(image.original_url).path.split("/")[3]
    expired = MediaSigner(TEST_SECRET.encode(), 3600, lambda: datetime.now(UTC) - timedelta(hours=2))
    assert client.get(expired.url(public_id, "original"), follow_redirects=False).status_code == 403


@pytest.mark.parametrize(
    ("settings", "refusal"),
    [
        ({"blob_store": "s3", "s3_bucket": "b", "media_redirect": True}, "ENCRYPT_BLOBS"),
        ({"media_redirect": True, "encrypt_blobs": False}, "BLOB_STORE=s3"),
    ],
)
def test_media_redirect_is_refused_where_the_store_cannot_serve_the_image_itself(
    tmp_path, settings: dict[str, object], refusal: str
) -> None:
    with pytest.raises(ConfigurationError, match=refusal):
        settings_for(tmp_path, **settings)


def test_s3_without_a_bucket_is_refused_in_plain_words(containers, tmp_path) -> None:
    with pytest.raises(ConfigurationError, match="S3_BUCKET is not set"):
        containers("sqlite://", blob_store="s3", s3_bucket=" ")
