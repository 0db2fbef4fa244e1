"""BlobStore that encrypts at rest: a decorator over another store (the local disk, or S3), writing each
blob in the format of core/blob_cipher.py and reading it back chunk by chunk. Blobs written before encryption was
on (no header) are read as they are, until the key rotation (core/services/key_rotation.py) encrypts them."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

from core.blob_cipher import (
    HEADER_MAX,
    SEALED_TYPE,
    Header,
    is_sealed,
    open_chunks,
    read_header,
    seal,
    seal_chunks,
    unwrap,
    wrap,
)
from core.keyring import Keyring
from core.ports import BlobStore

READ_BYTES = 1 << 20  # what is asked of the inner store at a time


class EncryptedBlobStore:
    def __init__(self, inner: BlobStore, keyring: Keyring) -> None:
        self.inner, self.keyring = inner, keyring

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.inner.put(key, seal(data, self.keyring, key), SEALED_TYPE)

    def put_stream(self, key: str, chunks: Iterable[bytes], content_type: str) -> int:
        """Sealed piece by piece on its way to the inner store's own streaming write; returns the plaintext's length."""
        counted = [0]

        def counting() -> Iterator[bytes]:
            for chunk in chunks:
                counted[0] += len(chunk)
                yield chunk

        self.inner.put_stream(key, seal_chunks(counting(), self.keyring, key), SEALED_TYPE)
        return counted[0]

    def get(self, key: str) -> bytes:
        stored = self.inner.get(key)
        if not is_sealed(stored):
            return stored
        header = read_header(stored[:HEADER_MAX])
        data_key = unwrap(header, self.keyring, key)
        return b"".join(open_chunks(header, data_key, (memoryview(stored)[header.length :],)))

    def delete(self, key: str) -> None:
        self.inner.delete(key)

    def exists(self, key: str) -> bool:
        return self.inner.exists(key)

    def open(self, key: str, chunk_size: int = 1 << 20) -> Iterator[bytes]:
        pieces = self.inner.open(key, READ_BYTES)  # raises BlobNotFoundError here, before anything is yielded
        return self._plaintext(key, pieces, chunk_size)

    def size(self, key: str) -> int:
        """The plaintext's length, from the header and the stored length: nothing is decrypted."""
        head = self._head(key)
        if not is_sealed(head):
            return self.inner.size(key)
        return read_header(head).plaintext_size(self.inner.size(key))

    def keys(self, prefix: str = "") -> Iterator[str]:
        return self.inner.keys(prefix)

    def kek_of(self, key: str) -> str | None:
        """The id of the KEK a blob's data key is wrapped with; None for a plaintext blob."""
        head = self._head(key)
        return read_header(head).kek_id if is_sealed(head) else None

    def rewrap(self, key: str) -> bool:
        """Put the blob under the current KEK: a sealed one gets a new header (its chunks stay as they are), a
        plaintext one is encrypted. The object is replaced whole (the inner store's put is atomic), so a crash
        leaves the old blob or the new one. False when there was nothing to do, or the blob is gone."""
        stored = self.inner.get(key)
        if not is_sealed(stored):
            rewritten = seal(stored, self.keyring, key)
        else:
            header = read_header(stored[:HEADER_MAX])
            if header.kek_id == self.keyring.current_id:
                return False
            fresh = wrap(unwrap(header, self.keyring, key), self.keyring, key, header)
            rewritten = fresh.encode() + memoryview(stored)[header.length :]
        if not self.inner.exists(key):  # deleted meanwhile (an erasure): never bring it back
            return False
        self.inner.put(key, rewritten, SEALED_TYPE)
        return True

    def _head(self, key: str) -> bytes:
        pieces = iter(self.inner.open(key, HEADER_MAX))
        try:
            head, _ = _first_bytes(pieces, HEADER_MAX)
        finally:
            close = getattr(pieces, "close", None)
            if close is not None:
                close()  # the inner store's file is let go at once
        return head

    def _plaintext(self, key: str, pieces: Iterable[bytes], chunk_size: int) -> Iterator[bytes]:
        # The header is read now, so a blob that cannot be opened says so before anything is yielded.
        head, rest = _first_bytes(iter(pieces), HEADER_MAX)
        if not is_sealed(head):
            chunks: Iterable[bytes] = itertools.chain((head,), rest) if head else rest
        else:
            header: Header = read_header(head)
            body: Iterable[bytes | memoryview] = itertools.chain((memoryview(head)[header.length :],), rest)
            chunks = open_chunks(header, unwrap(header, self.keyring, key), body)
        return _rechunk(chunks, chunk_size)


def _first_bytes(pieces: Iterator[bytes], wanted: int) -> tuple[bytes, Iterator[bytes]]:
    """At least `wanted` bytes from the start of `pieces` (all of them when shorter), and the pieces left."""
    head = b""
    for piece in pieces:
        head += piece
        if len(head) >= wanted:
            break
    return head, pieces


def _rechunk(chunks: Iterable[bytes], size: int) -> Iterator[bytes]:
    """The same bytes in chunks of exactly `size` (the last one shorter), as the other stores give them."""
    parts: list[bytes] = []
    total = 0
    for chunk in chunks:
        parts.append(chunk)
        total += len(chunk)
        if total >= size:
            joined = parts[0] if len(parts) == 1 else b"".join(parts)
            cut = total - total % size
            for start in range(0, cut, size):
                yield joined if len(joined) == size else joined[start : start + size]
            parts, total = ([joined[cut:]] if cut < total else []), total - cut
    if total:
        yield b"".join(parts)
