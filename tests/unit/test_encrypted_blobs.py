"""Encryption at rest: what goes in comes out, in chunks or whole, with its plaintext size known without
decrypting; anything altered, cut, reordered or moved is refused, never returned; and the keys are read strictly."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.adapters.encrypted_blobs import EncryptedBlobStore
from core.adapters.memory_blobs import InMemoryBlobStore
from core.blob_cipher import CHUNK_BYTES, TAG_BYTES, read_header
from core.errors import BlobNotFoundError, BlobTamperedError, ConfigurationError
from core.keyring import KeyMissingError, new_key_entry, parse_keys

KEY_A, KEY_B = new_key_entry("a"), new_key_entry("b")
SIZES = [0, 1, CHUNK_BYTES - 1, CHUNK_BYTES, CHUNK_BYTES + 1, 3 * CHUNK_BYTES, 3 * CHUNK_BYTES + 17]


def store(keys: str = KEY_A, inner: InMemoryBlobStore | None = None) -> EncryptedBlobStore:
    return EncryptedBlobStore(inner if inner is not None else InMemoryBlobStore(), parse_keys(keys))


def stored(blobs: EncryptedBlobStore, key: str) -> bytes:
    assert isinstance(blobs.inner, InMemoryBlobStore)
    return blobs.inner.objects[key][0]


def replace_stored(blobs: EncryptedBlobStore, key: str, data: bytes) -> None:
    assert isinstance(blobs.inner, InMemoryBlobStore)
    blobs.inner.objects[key] = (data, "application/octet-stream")


@pytest.mark.parametrize("size", SIZES)
def test_a_blob_of_any_size_reads_back_whole_streamed_and_sized(size: int) -> None:
    blobs, data = store(), os.urandom(size)
    blobs.put("u1/a.png", data, "image/png")
    assert blobs.get("u1/a.png") == data
    assert b"".join(blobs.open("u1/a.png", 1000)) == data
    assert all(len(chunk) <= 1000 for chunk in blobs.open("u1/a.png", 1000))
    assert blobs.size("u1/a.png") == size
    assert size < 16 or data[:16] not in stored(blobs, "u1/a.png")


@settings(max_examples=60, deadline=None)
@given(
    chunks=st.integers(min_value=0, max_value=4),
    offset=st.integers(min_value=-3, max_value=3),
    read=st.integers(min_value=1, max_value=3 * CHUNK_BYTES),
)
def test_round_trips_hold_around_every_chunk_boundary(chunks: int, offset: int, read: int) -> None:
    size = max(0, chunks * CHUNK_BYTES + offset)
    blobs, data = store(), os.urandom(size)
    blobs.put("k", data, "image/png")
    streamed = list(blobs.open("k", read))
    assert b"".join(streamed) == data == blobs.get("k")
    assert all(len(chunk) == read for chunk in streamed[:-1])
    assert blobs.size("k") == size


def test_the_stored_bytes_are_not_the_picture_and_each_blob_has_its_own_data_key() -> None:
    blobs, data = store(), b"\x89PNG\r\n\x1a\n" + os.urandom(1000)
    blobs.put("u1/a.png", data, "image/png")
    blobs.put("u1/b.png", data, "image/png")
    first, second = stored(blobs, "u1/a.png"), stored(blobs, "u1/b.png")
    assert b"PNG" not in first and first[-1000:] != second[-1000:]
    assert read_header(first).kek_id == "a"


def test_a_flipped_byte_anywhere_is_refused() -> None:
    blobs, data = store(), os.urandom(2 * CHUNK_BYTES + 5)
    blobs.put("k", data, "image/png")
    original = stored(blobs, "k")
    for position in (10, 30, 100, len(original) // 2, len(original) - 1):
        damaged = bytearray(original)
        damaged[position] ^= 0x01
        replace_stored(blobs, "k", bytes(damaged))
        with pytest.raises(BlobTamperedError):
            blobs.get("k")
        with pytest.raises(BlobTamperedError):
            b"".join(blobs.open("k"))


def test_a_dropped_final_chunk_or_swapped_chunks_are_refused() -> None:
    blobs = store()
    blobs.put("k", os.urandom(3 * CHUNK_BYTES), "image/png")
    original = stored(blobs, "k")
    length = read_header(original).length
    record = CHUNK_BYTES + TAG_BYTES
    head, body = original[:length], original[length:]
    chunks = [body[i : i + record] for i in range(0, len(body), record)]
    for damaged in (
        head + b"".join(chunks[:2]),  # the last chunk dropped
        head + chunks[1] + chunks[0] + chunks[2],  # two swapped
        head + b"".join(chunks)[:-1],  # cut by one byte
        head,  # no chunk at all
    ):
        replace_stored(blobs, "k", damaged)
        with pytest.raises(BlobTamperedError):
            b"".join(blobs.open("k"))


def test_a_header_or_a_whole_blob_from_another_key_is_refused() -> None:
    blobs = store()
    blobs.put("u1/a.png", os.urandom(5000), "image/png")
    blobs.put("u2/b.png", os.urandom(5000), "image/png")
    a, b = stored(blobs, "u1/a.png"), stored(blobs, "u2/b.png")
    length = read_header(a).length
    replace_stored(blobs, "u2/b.png", a[:length] + b[length:])  # a's header on b's chunks
    with pytest.raises(BlobTamperedError):
        blobs.get("u2/b.png")
    replace_stored(blobs, "u2/b.png", a)  # u1's whole file put where u2's was
    with pytest.raises(BlobTamperedError):
        blobs.get("u2/b.png")


def test_a_missing_or_changed_key_is_refused_clearly() -> None:
    blobs = store(KEY_A)
    blobs.put("k", b"secret picture", "image/png")
    without_a = store(KEY_B, inner=blobs.inner)  # type: ignore[arg-type]
    with pytest.raises(KeyMissingError, match="'a'.*ENCRYPTION_KEYS"):
        without_a.get("k")
    other_a = store(new_key_entry("a"), inner=blobs.inner)  # type: ignore[arg-type]
    with pytest.raises(BlobTamperedError, match="different key under that id"):
        other_a.get("k")


def test_a_blob_stored_before_encryption_reads_as_it_is() -> None:
    inner = InMemoryBlobStore()
    inner.put("u1/old.png", b"\x89PNG old picture", "image/png")
    blobs = store(inner=inner)
    assert blobs.get("u1/old.png") == b"\x89PNG old picture"
    assert b"".join(blobs.open("u1/old.png", 3)) == b"\x89PNG old picture"
    assert blobs.size("u1/old.png") == 16 and blobs.kek_of("u1/old.png") is None


def test_a_missing_blob_is_not_found_before_anything_is_read() -> None:
    blobs = store()
    for read in (blobs.get, blobs.open, blobs.size):
        with pytest.raises(BlobNotFoundError):
            read("nope")


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("", "holds no key"),
        ("justakey", "entry 1 is not id:base64key"),
        ("a:not base64!", "'a' is not valid base64"),
        ("a:" + "QUJD", "'a' is 3 bytes; it must be 32"),
        (f"{KEY_A},{KEY_A}", "'a' is given twice"),
    ],
    ids=["empty", "no id", "not base64", "too short", "twice"],  # the keys are random: xdist's workers must agree
)
def test_a_bad_encryption_keys_value_is_named_and_never_echoed(value: str, says: str) -> None:
    with pytest.raises(ConfigurationError, match=says) as refused:
        parse_keys(value)
    assert "ENCRYPTION_KEYS" in str(refused.value)
    assert KEY_A.split(":", 1)[1] not in str(refused.value)


def test_the_first_key_is_current_and_a_keyring_never_shows_its_keys() -> None:
    keyring = parse_keys(f"{KEY_B}, {KEY_A}")
    assert keyring.current_id == "b" and keyring.key("a") != keyring.current
    assert KEY_A.split(":", 1)[1] not in repr(keyring) and "'b'" in repr(keyring)
