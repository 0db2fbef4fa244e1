"""The BlobStore contract (core/ports.py), one set of tests run on every store alike: the local disk, memory, S3
(moto's server, the real protocol), and the encryption decorator over the disk and over S3. Whatever store a
deployment picks, images read back as written, a missing one says so before any byte, big writes stream."""

from __future__ import annotations

import os
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.adapters.encrypted_blobs import EncryptedBlobStore
from core.adapters.local_blobs import LocalBlobStore
from core.adapters.memory_blobs import InMemoryBlobStore
from core.adapters.s3_blobs import S3BlobStore
from core.blob_cipher import CHUNK_BYTES
from core.errors import BlobNotFoundError
from core.keyring import new_key_entry, parse_keys
from core.ports import BlobStore
from tests.s3_server import S3Server

DATA = os.urandom(300_001)
STORES = ["local", "memory", "s3", "encrypted-local", "encrypted-s3"]
KEYRING = parse_keys(new_key_entry("a"))


def make_store(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> BlobStore:
    store: BlobStore
    if kind.endswith("s3"):
        server: S3Server = request.getfixturevalue("s3_server")
        store = server.bucket("app/media/")
        store.client.put_object(Bucket=store.bucket, Key="app/withheld/u1/other.png", Body=b"not this store's")
    elif kind.endswith("local"):
        store = LocalBlobStore(tmp_path / "media")
    else:
        store = InMemoryBlobStore()
    return EncryptedBlobStore(store, KEYRING) if kind.startswith("encrypted") else store


@pytest.fixture(params=STORES)
def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    store = make_store(request.param, tmp_path, request)
    store.put("u1/a.png", DATA, "image/png")
    store.put("u1/empty.png", b"", "image/png")
    return store


def repeated(piece: bytes, count: int) -> Iterator[bytes]:
    for _ in range(count):
        yield piece


def test_a_blob_reads_back_whole_and_an_overwrite_replaces_it(blobs: BlobStore) -> None:
    assert blobs.get("u1/a.png") == DATA and blobs.get("u1/empty.png") == b""
    blobs.put("u1/a.png", b"second", "image/png")
    assert blobs.get("u1/a.png") == b"second" and blobs.size("u1/a.png") == 6


def test_a_blob_reads_back_in_chunks_no_larger_than_asked(blobs: BlobStore) -> None:
    chunks = list(blobs.open("u1/a.png", chunk_size=65_536))
    assert b"".join(chunks) == DATA
    assert all(len(chunk) <= 65_536 for chunk in chunks) and len(chunks) == 5


def test_the_default_chunk_is_a_mebibyte_and_an_empty_blob_yields_nothing(blobs: BlobStore) -> None:
    assert list(blobs.open("u1/a.png")) == [DATA]
    assert b"".join(blobs.open("u1/empty.png")) == b""


def test_a_blob_tells_its_size_and_that_it_exists(blobs: BlobStore) -> None:
    assert blobs.size("u1/a.png") == len(DATA) and blobs.size("u1/empty.png") == 0
    assert blobs.exists("u1/a.png") and blobs.exists("u1/empty.png") and not blobs.exists("u1/gone.png")


def test_a_missing_blob_raises_when_opened_before_anything_is_read(blobs: BlobStore) -> None:
    with pytest.raises(BlobNotFoundError):
        blobs.open("u1/gone.png")  # the call itself raises: no iteration needed
    with pytest.raises(BlobNotFoundError):
        blobs.size("u1/gone.png")
    with pytest.raises(BlobNotFoundError):
        blobs.get("u1/gone.png")
    blobs.delete("u1/a.png")
    with pytest.raises(BlobNotFoundError):
        blobs.open("u1/a.png")
    assert not blobs.exists("u1/a.png")


def test_deleting_a_missing_blob_is_no_error(blobs: BlobStore) -> None:
    blobs.delete("u1/gone.png")
    blobs.delete("u1/a.png")
    blobs.delete("u1/a.png")
    assert sorted(blobs.keys()) == ["u1/empty.png"]


def test_keys_lists_what_starts_with_the_prefix_and_nothing_of_another_store(blobs: BlobStore) -> None:
    for key in ("u1/b.png", "u10/c.png", "u2/d.png"):
        blobs.put(key, b"x", "image/png")
    if isinstance(getattr(blobs, "inner", blobs), S3BlobStore):
        getattr(blobs, "inner", blobs).list_page = 2  # several listing requests, as a big bucket needs
    assert sorted(blobs.keys("u1/")) == ["u1/a.png", "u1/b.png", "u1/empty.png"]
    assert sorted(blobs.keys()) == ["u1/a.png", "u1/b.png", "u1/empty.png", "u10/c.png", "u2/d.png"]
    assert list(blobs.keys("u3/")) == []


@pytest.mark.parametrize("size", [0, 1, CHUNK_BYTES - 1, CHUNK_BYTES, CHUNK_BYTES + 1, 3 * CHUNK_BYTES])
def test_a_streamed_write_reads_back_whatever_its_length(blobs: BlobStore, size: int) -> None:
    data = os.urandom(size)
    pieces = [data[start : start + 10_007] for start in range(0, size, 10_007)]  # pieces that fit no chunk
    assert blobs.put_stream("exports/X.zip", iter(pieces), "application/zip") == size
    assert blobs.get("exports/X.zip") == data and blobs.size("exports/X.zip") == size


@pytest.mark.parametrize("kind", [k for k in STORES if k != "memory"])  # memory is where that one keeps it all
def test_a_big_streamed_write_never_holds_the_object_whole(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    store = make_store(kind, tmp_path, request)
    piece, count = os.urandom(64 * 1024), 128  # 8 MiB, in S3 parts of 1 MiB (tests/s3_server.py)
    tracemalloc.start()
    try:
        written = store.put_stream("exports/BIG.zip", repeated(piece, count), "application/zip")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert written == len(piece) * count
    # S3 holds about two parts (one read, one sent); the disk a chunk; none holds what grows with the object.
    assert peak < written / 2, f"{peak / 2**20:.1f} MiB held to write {written / 2**20:.0f} MiB"
    assert all(chunk == piece for chunk in store.open("exports/BIG.zip", len(piece)))


def test_a_streamed_write_that_fails_midway_leaves_the_old_blob(blobs: BlobStore) -> None:
    def failing() -> Iterator[bytes]:
        yield os.urandom(3 * 1024 * 1024)  # past an S3 part, so a multipart upload is under way
        raise OSError("the export's disk went away")

    with pytest.raises(OSError):
        blobs.put_stream("u1/a.png", failing(), "image/png")
    with pytest.raises(OSError):
        blobs.put_stream("exports/new.zip", failing(), "application/zip")
    assert blobs.get("u1/a.png") == DATA
    assert not blobs.exists("exports/new.zip")
    inner = getattr(blobs, "inner", blobs)
    if isinstance(inner, S3BlobStore):  # the unfinished upload was aborted, not left to be billed
        assert "Uploads" not in inner.client.list_multipart_uploads(Bucket=inner.bucket)
