"""Encryption at rest on the embedded defaults: after a person's visit (generate, edit an upload, a withheld image,
the history and privacy exports), no file anywhere in the data folder holds a readable JPEG, PNG or WebP; the
pictures still come back whole through the media route and the exports; and what an export spills to disk is
sealed too."""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path

from PIL import Image
from starlette.applications import Starlette
from starlette.testclient import TestClient

from core.adapters.encrypted_blobs import EncryptedBlobStore
from core.bootstrap import DEV_KEY_FILE, bootstrap
from core.domain import JobStatus
from core.domain.gallery import GalleryFilter
from core.sealed_spool import sealed_spool
from core.services.privacy_export import PrivacyExportService
from core.services.safety_reviews import SafetyReviewService
from core.web.media_routes import media_routes
from db.schema import migrate
from tests.factories import create_form, edit_form, settings_for, settle

# A JPEG, a PNG, a WebP: anywhere in a file, not only at its start. Each signature is long enough (8 bytes or more
# fixed) that random bytes never show one: a 1 MB ciphertext holds a 3-byte `\xff\xd8\xff` by chance about one
# time in 14, which made this check fail on sound encryption.
PICTURE = re.compile(
    rb"\xff\xd8\xff(?:\xe0..JFIF\x00|\xe1..Exif\x00|\xdb\x00[\x43\x84])|\x89PNG\r\n\x1a\n|RIFF....WEBPVP8", re.DOTALL
)


def png(colour: tuple[int, int, int] = (20, 140, 90)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (96, 64), colour).save(buffer, "PNG")
    return buffer.getvalue()


def readable_pictures(root: Path) -> list[str]:
    return sorted(
        str(path.relative_to(root)) for path in root.rglob("*") if path.is_file() and PICTURE.search(path.read_bytes())
    )


def test_after_a_whole_visit_no_file_in_the_data_folder_holds_a_readable_picture(tmp_path: Path) -> None:
    data = tmp_path / "data"
    settings = settings_for(data, "", media_secret="", encryption_keys="")  # the SQLite file, the key file
    migrate(settings.resolved_database_url)
    c = bootstrap(settings)  # the offline engine and both local stores, encrypted, all in DATA_DIR
    try:
        assert isinstance(c.blobs, EncryptedBlobStore) and isinstance(c.withheld, EncryptedBlobStore)
        user = c.accounts.sign_in_local("alice@example.com").user
        made = c.generation.submit(user, create_form("my private garden", num_images=2), c.generation.new_token())
        assert settle(c, user, made.id).status == JobStatus.SUCCEEDED
        edit = c.generation.submit(user, edit_form("black and white", upload=png()), c.generation.new_token())
        assert settle(c, user, edit.id).status == JobStatus.SUCCEEDED
        flagged = c.generation.submit(user, create_form("a nude figure in a garden"), c.generation.new_token())
        settle(c, user, flagged.id)
        assert len(c.of(SafetyReviewService).mine(user)) == 1 and list(c.withheld.keys(""))

        for key in c.blobs.keys(""):
            assert Image.open(io.BytesIO(c.blobs.get(key))).size  # every blob opens as a picture
        history = c.exports.export(user, GalleryFilter(), "zip")
        body = b"".join(history)
        assert len(body) == history.size
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            pictures = [name for name in archive.namelist() if name.startswith("images/")]
            assert len(pictures) >= 3 and all(PICTURE.match(archive.read(name)) for name in pictures)
        everything = c.of(PrivacyExportService).export(user.id)
        assert len(b"".join(everything)) == everything.size
    finally:
        c.db.engine.dispose()
    assert (data / DEV_KEY_FILE).is_file()
    assert any((data / "media").rglob("*.png")) and any((data / "withheld").rglob("*"))
    assert readable_pictures(data) == []


def test_the_media_route_serves_the_whole_picture_with_its_length(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, "", media_secret="", encryption_keys="")
    migrate(settings.resolved_database_url)
    c = bootstrap(settings)
    try:
        user = c.accounts.sign_in_local("alice@example.com").user
        made = c.generation.submit(user, create_form("a red sun"), c.generation.new_token())
        [image] = settle(c, user, made.id).images
        client = TestClient(Starlette(routes=media_routes(lambda: c)))
        for url, signature in ((image.original_url, b"\x89PNG"), (image.thumb_url, b"RIFF")):
            served = client.get(url)
            assert served.status_code == 200 and served.content.startswith(signature)
            assert int(served.headers["content-length"]) == len(served.content)
            assert Image.open(io.BytesIO(served.content)).size
        [stored] = [key for key in c.blobs.keys("") if key.endswith(".png")]
        assert c.blobs.size(stored) == len(client.get(image.original_url).content)
    finally:
        c.db.engine.dispose()


def test_an_export_temporary_spilled_to_disk_holds_no_readable_row(tmp_path: Path) -> None:
    row = b"a prompt nobody else may read," + png()
    handle = sealed_spool(0, "atelier-export-")  # spills to disk at once
    handle.write(row * 5000)
    handle.flush()
    fd = handle.fileno()
    on_disk = os.pread(fd, os.fstat(fd).st_size, 0)
    handle.seek(0)
    assert handle.read() == row * 5000
    assert len(on_disk) > len(row) * 4000 and b"nobody else" not in on_disk and not PICTURE.search(on_disk)
    handle.close()
