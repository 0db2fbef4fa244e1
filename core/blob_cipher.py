"""The format of an encrypted blob: a header, then the plaintext in fixed-size chunks, each sealed with AES-256-GCM.

    header  MAGIC (8) | chunk size (4) | nonce prefix (8) | KEK id length (1) | KEK id | wrap nonce (12) |
            the blob's data key sealed by the KEK with AES-GCM (32 + 16), its AAD naming the KEK and the blob's key
    chunks  chunk i = AES-GCM(data key, nonce = prefix | i, AAD = MAGIC | chunk size | i | final flag)

Every blob has its own random data key, so a nonce is never reused under a key. The chunk's index and the flag
that marks the last chunk are authenticated, so chunks cannot be reordered, dropped or cut off undetected; the
data key is bound to the blob's key, so a blob (or its header) moved under another key is refused. Rotating the
KEK rewrites the header only: the chunks do not depend on it.
"""

from __future__ import annotations

import secrets
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from core.errors import BlobTamperedError
from core.keyring import Keyring

MAGIC = b"ATLRENC\x01"  # no JPEG, PNG or WebP starts so: a blob without it is a plaintext one from before
CHUNK_BYTES = 64 * 1024  # measured: 1 MiB chunks were slower (each output a fresh mmap-ed buffer)
TAG_BYTES = 16
_FIXED = struct.Struct(">I8sB")  # chunk size, nonce prefix, KEK id length
_WRAP_NONCE, _WRAPPED = 12, 32 + TAG_BYTES
HEADER_MAX = len(MAGIC) + _FIXED.size + 255 + _WRAP_NONCE + _WRAPPED
SEALED_TYPE = "application/octet-stream"  # what an encrypted blob is, to the store that holds it


@dataclass(frozen=True)
class Header:
    chunk_size: int
    prefix: bytes
    kek_id: str
    wrap_nonce: bytes
    wrapped: bytes

    def encode(self) -> bytes:
        kek_id = self.kek_id.encode()
        fixed = _FIXED.pack(self.chunk_size, self.prefix, len(kek_id))
        return MAGIC + fixed + kek_id + self.wrap_nonce + self.wrapped

    @property
    def length(self) -> int:
        return len(MAGIC) + _FIXED.size + len(self.kek_id.encode()) + _WRAP_NONCE + _WRAPPED

    def plaintext_size(self, stored_size: int) -> int:
        """The plaintext's length, from the stored object's length alone (no decryption)."""
        body, record = stored_size - self.length, self.chunk_size + TAG_BYTES
        count = max(1, -(-body // record))
        last = body - (count - 1) * record
        if body < TAG_BYTES or last < TAG_BYTES:
            raise BlobTamperedError("A stored file is cut short: it cannot be read.")
        return body - count * TAG_BYTES


def is_sealed(head: bytes) -> bool:
    return head[: len(MAGIC)] == MAGIC


def read_header(head: bytes) -> Header:
    """The header at the start of `head` (the blob's first bytes, at least HEADER_MAX of them when it is that long)."""
    start = len(MAGIC) + _FIXED.size
    if len(head) < start:
        raise BlobTamperedError("A stored file has a damaged header: it cannot be read.")
    chunk_size, prefix, id_length = _FIXED.unpack_from(head, len(MAGIC))
    end = start + id_length
    if chunk_size <= 0 or len(head) < end + _WRAP_NONCE + _WRAPPED:
        raise BlobTamperedError("A stored file has a damaged header: it cannot be read.")
    try:
        kek_id = head[start:end].decode()
    except UnicodeDecodeError:
        raise BlobTamperedError("A stored file has a damaged header: it cannot be read.") from None
    nonce = head[end : end + _WRAP_NONCE]
    return Header(chunk_size, prefix, kek_id, nonce, head[end + _WRAP_NONCE : end + _WRAP_NONCE + _WRAPPED])


def _wrap_aad(kek_id: str, blob_key: str) -> bytes:
    return MAGIC + kek_id.encode() + b"\x00" + blob_key.encode()


def wrap(data_key: bytes, keyring: Keyring, blob_key: str, header: Header) -> Header:
    """`header` with `data_key` sealed under the keyring's current KEK."""
    nonce = secrets.token_bytes(_WRAP_NONCE)
    sealed = AESGCM(keyring.current).encrypt(nonce, data_key, _wrap_aad(keyring.current_id, blob_key))
    return replace(header, kek_id=keyring.current_id, wrap_nonce=nonce, wrapped=sealed)


def unwrap(header: Header, keyring: Keyring, blob_key: str) -> bytes:
    """The blob's data key. KeyMissingError when the KEK is not in the keyring; BlobTamperedError when it does
    not open the key (the header was altered, or belongs to another blob, or the key under that id changed)."""
    kek = keyring.key(header.kek_id)
    try:
        return AESGCM(kek).decrypt(header.wrap_nonce, header.wrapped, _wrap_aad(header.kek_id, blob_key))
    except InvalidTag:
        raise BlobTamperedError(
            f"A stored file's data key does not open with the key {header.kek_id!r}: the file was altered or "
            "moved, or ENCRYPTION_KEYS holds a different key under that id."
        ) from None


def _nonce(prefix: bytes, index: int) -> bytes:
    return prefix + index.to_bytes(4, "big")


def _aad(chunk_size: int, index: int, final: bool) -> bytes:
    return MAGIC + chunk_size.to_bytes(4, "big") + index.to_bytes(8, "big") + (b"\x01" if final else b"\x00")


def seal(data: bytes, keyring: Keyring, blob_key: str, chunk_size: int = CHUNK_BYTES) -> bytes:
    """`data` as a whole encrypted blob, under a new data key."""
    data_key = AESGCM.generate_key(256)
    header = wrap(data_key, keyring, blob_key, Header(chunk_size, secrets.token_bytes(8), "", b"", b""))
    cipher, view = AESGCM(data_key), memoryview(data)
    count = max(1, -(-len(data) // chunk_size))
    parts = [header.encode()]
    for index in range(count):
        piece = view[index * chunk_size : (index + 1) * chunk_size]
        parts.append(cipher.encrypt(_nonce(header.prefix, index), piece, _aad(chunk_size, index, index == count - 1)))
    return b"".join(parts)


def seal_chunks(
    pieces: Iterable[bytes], keyring: Keyring, blob_key: str, chunk_size: int = CHUNK_BYTES
) -> Iterator[bytes]:
    """What `seal` makes, for plaintext given in pieces of any size, piece by piece: the header, then each sealed
    chunk. A full chunk is sealed only once more bytes follow it, as only the end of the pieces says which chunk
    is the last (its flag is authenticated); so no more than a chunk and a piece are held at once."""
    data_key = AESGCM.generate_key(256)
    header = wrap(data_key, keyring, blob_key, Header(chunk_size, secrets.token_bytes(8), "", b"", b""))
    cipher = AESGCM(data_key)
    yield header.encode()
    pending, index = b"", 0
    for piece in pieces:
        if not piece:
            continue
        data = pending + piece if pending else piece
        view, start = memoryview(data), 0
        while len(data) - start > chunk_size:
            piece_view = view[start : start + chunk_size]
            yield cipher.encrypt(_nonce(header.prefix, index), piece_view, _aad(chunk_size, index, False))
            start, index = start + chunk_size, index + 1
        pending = bytes(view[start:])
    yield cipher.encrypt(_nonce(header.prefix, index), pending, _aad(chunk_size, index, True))


def open_chunks(header: Header, data_key: bytes, body: Iterable[bytes | memoryview]) -> Iterator[bytes]:
    """The plaintext, chunk by chunk, from the stored bytes after the header (in pieces of any size)."""
    cipher = AESGCM(data_key)
    for index, (record, final) in enumerate(_records(body, header.chunk_size + TAG_BYTES)):
        try:
            yield cipher.decrypt(_nonce(header.prefix, index), record, _aad(header.chunk_size, index, final))
        except InvalidTag:
            raise BlobTamperedError("A stored file failed its integrity check: it was altered or cut short.") from None


def _records(pieces: Iterable[bytes | memoryview], record: int) -> Iterator[tuple[bytes | memoryview, bool]]:
    """The sealed chunks in `pieces`, each with whether it is the last. A complete chunk is held back until more
    bytes follow it, since only the end of the stream says which chunk is last. Chunks are views into the pieces
    (which are immutable): only a chunk that straddles two pieces is copied."""
    held: bytes | memoryview | None = None
    partial: bytes | memoryview = b""
    for piece in pieces:
        view = memoryview(piece)
        if len(partial):
            take = record - len(partial)
            partial = b"".join((partial, view[:take]))
            view = view[take:]
            if len(partial) < record:
                continue
            if held is not None:
                yield held, False
            held, partial = partial, b""
        while len(view) >= record:
            if held is not None:
                yield held, False
            held, view = view[:record], view[record:]
        partial = view
    if len(partial):
        if held is not None:
            yield held, False
        yield partial, True
    elif held is not None:
        yield held, True
    else:
        raise BlobTamperedError("A stored file is cut short: it cannot be read.")
