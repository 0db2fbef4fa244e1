"""`make migrate-blobs`: the local media folder copied into S3 (moto's server) byte for byte. Stopped halfway and run
again, it copies each object exactly once; every copy is read back; a corrupt object in the bucket is replaced; a
failure is counted and makes the command exit non-zero."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from core.adapters.encrypted_blobs import EncryptedBlobStore
from core.adapters.local_blobs import LocalBlobStore
from core.adapters.s3_blobs import S3BlobStore
from core.keyring import new_key_entry, parse_keys
from core.services.blob_migration import migrate
from core.tools import migrate_blobs
from tests.factories import settings_for
from tests.s3_server import S3Server

KEYRING = parse_keys(new_key_entry("a"))


class Counting:
    """The target store, counting the writes that reached it and the reads back; stops the run (as Ctrl-C would)
    at the write numbered `stop_at`."""

    def __init__(self, inner: S3BlobStore, stop_at: int = 0) -> None:
        self.inner, self.stop_at, self.puts, self.reads = inner, stop_at, [], 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def put_stream(self, key: str, chunks: Iterable[bytes], content_type: str) -> int:
        if len(self.puts) + 1 == self.stop_at:
            raise KeyboardInterrupt
        self.puts.append(key)
        return self.inner.put_stream(key, chunks, content_type)

    def open(self, key: str, chunk_size: int = 1 << 20) -> Iterator[bytes]:
        self.reads += 1
        return self.inner.open(key, chunk_size)


def local_media(root: Path) -> dict[str, bytes]:
    """Six images on the local disk, as the app leaves them: most encrypted, one from before encryption was on."""
    sealed = EncryptedBlobStore(LocalBlobStore(root), KEYRING)
    images = {f"u{n}/{n:032x}.png": os.urandom(1_000 + n) for n in range(5)}
    for key, data in images.items():
        sealed.put(key, data, "image/png")
    LocalBlobStore(root).put("u9/old.webp", b"RIFF plaintext from before encryption", "image/webp")
    return {key: (root / key).read_bytes() for key in [*images, "u9/old.webp"]}


def test_a_run_stopped_halfway_and_run_again_copies_each_object_once_and_reads_each_back(
    tmp_path: Path, s3_server: S3Server
) -> None:
    on_disk = local_media(tmp_path / "media")
    bucket = s3_server.bucket("atelier/media/")
    stopped = Counting(bucket, stop_at=4)
    with pytest.raises(KeyboardInterrupt):
        migrate(LocalBlobStore(tmp_path / "media"), stopped)
    again = Counting(bucket)
    report = migrate(LocalBlobStore(tmp_path / "media"), again)

    assert (report.copied, report.skipped, report.failed) == (3, 3, [])
    assert sorted(stopped.puts + again.puts) == sorted(on_disk)  # each object written once in all
    assert again.reads == len(on_disk)  # each copy read back, each skipped one compared with its source
    assert {key: bucket.get(key) for key in bucket.keys()} == on_disk  # ciphertext stays ciphertext, same keys
    readable = EncryptedBlobStore(bucket, KEYRING)  # so the app on S3 opens them with the same keys
    assert readable.get("u1/00000000000000000000000000000001.png") == EncryptedBlobStore(
        LocalBlobStore(tmp_path / "media"), KEYRING
    ).get("u1/00000000000000000000000000000001.png")
    assert str(migrate(LocalBlobStore(tmp_path / "media"), bucket)) == "copied 0, skipped 6, failed 0"


def test_a_corrupt_or_short_object_in_the_bucket_is_replaced(tmp_path: Path, s3_server: S3Server) -> None:
    on_disk = local_media(tmp_path / "media")
    bucket = s3_server.bucket()
    damaged, short = sorted(on_disk)[:2]
    bucket.put(damaged, bytes(len(on_disk[damaged])), "application/octet-stream")  # same size, other bytes
    bucket.put(short, on_disk[short][:-1], "application/octet-stream")
    report = migrate(LocalBlobStore(tmp_path / "media"), bucket)
    assert (report.copied, report.skipped) == (6, 0)
    assert bucket.get(damaged) == on_disk[damaged] and bucket.get(short) == on_disk[short]


def test_the_command_copies_media_and_withheld_and_exits_non_zero_on_any_failure(
    tmp_path: Path, s3_server: S3Server, capsys: pytest.CaptureFixture[str]
) -> None:
    local_media(tmp_path / "media")
    LocalBlobStore(tmp_path / "withheld").put("u2/held.png", b"withheld", "image/png")
    bucket = s3_server.new_bucket()
    settings = settings_for(tmp_path, **s3_server.settings(), s3_bucket=bucket, s3_prefix="app/")
    assert migrate_blobs.main(settings) == 0
    out = capsys.readouterr().out
    assert "media: copied 6, skipped 0, failed 0" in out and "withheld: copied 1" in out
    assert "In all: copied 7, skipped 0, failed 0" in out
    assert s3_server.client.get_object(Bucket=bucket, Key="app/withheld/u2/held.png")["Body"].read() == b"withheld"

    gone = settings_for(tmp_path, **s3_server.settings(), s3_bucket="no-such-bucket")
    assert migrate_blobs.main(gone) == 1
    assert "In all: copied 0, skipped 0, failed 7" in capsys.readouterr().out
