"""Both blob stores read an object back in chunks and tell its size; a missing key says so before any byte."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.adapters.encrypted_blobs import EncryptedBlobStore
from core.adapters.local_blobs import LocalBlobStore
from core.adapters.memory_blobs import InMemoryBlobStore
from core.errors import BlobNotFoundError
from core.keyring import new_key_entry, parse_keys
from core.ports import BlobStore

DATA = os.urandom(300_001)


@pytest.fixture(params=["local", "memory", "encrypted"])
def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    store: BlobStore = LocalBlobStore(tmp_path / "media") if request.param == "local" else InMemoryBlobStore()
    if request.param == "encrypted":
        store = EncryptedBlobStore(LocalBlobStore(tmp_path / "media"), parse_keys(new_key_entry("a")))
    store.put("u1/a.png", DATA, "image/png")
    store.put("u1/empty.png", b"", "image/png")
    return store


def test_a_blob_reads_back_in_chunks_no_larger_than_asked(blobs: BlobStore) -> None:
    chunks = list(blobs.open("u1/a.png", chunk_size=65_536))
    assert b"".join(chunks) == DATA
    assert all(len(chunk) <= 65_536 for chunk in chunks) and len(chunks) == 5


def test_the_default_chunk_is_a_mebibyte_and_an_empty_blob_yields_nothing(blobs: BlobStore) -> None:
    assert list(blobs.open("u1/a.png")) == [DATA]
    assert b"".join(blobs.open("u1/empty.png")) == b""


def test_a_blob_tells_its_size(blobs: BlobStore) -> None:
    assert blobs.size("u1/a.png") == len(DATA)
    assert blobs.size("u1/empty.png") == 0


def test_a_missing_blob_raises_when_opened_before_anything_is_read(blobs: BlobStore) -> None:
    with pytest.raises(BlobNotFoundError):
        blobs.open("u1/gone.png")  # the call itself raises: no iteration needed
    with pytest.raises(BlobNotFoundError):
        blobs.size("u1/gone.png")
    blobs.delete("u1/a.png")
    with pytest.raises(BlobNotFoundError):
        blobs.open("u1/a.png")


def test_a_folder_is_no_blob_on_the_local_disk(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "media")
    store.put("u1/a.png", DATA, "image/png")
    for key in ("u1", "u1/a.png/inside"):
        with pytest.raises(BlobNotFoundError):
            store.open(key)
        with pytest.raises(BlobNotFoundError):
            store.size(key)
    with pytest.raises(ValueError):
        store.open("../outside")
