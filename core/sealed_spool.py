"""Temporary files whose bytes reach the disk encrypted: the exports' CSVs, JSON and lists of originals.

Written once from start to end, then read (as many times as needed): each full chunk is sealed with AES-256-GCM
under a key made for this one file and held only in memory, then goes to a spooled temporary file (in memory
while small, then an unlinked file on disk). The unfinished last chunk stays in memory. When the process ends,
the key is gone, so whatever the disk kept of the file can no longer be read."""

from __future__ import annotations

import io
import tempfile
from typing import IO

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SEALED_CHUNK = 16 * 1024  # small: the unsealed last chunk and the one being read are all it holds in memory
_TAG = 16


class SealedSpool(io.RawIOBase):
    """The raw file under `sealed_spool()`'s buffered one. Writes append; reads and seeks go anywhere."""

    def __init__(self, max_size: int, prefix: str) -> None:
        super().__init__()
        self._cipher = AESGCM(AESGCM.generate_key(256))
        self._store: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=max_size, mode="w+b", prefix=prefix)
        self._sealed = 0  # chunks in the store
        self._tail = bytearray()  # the plaintext after them, not yet a full chunk
        self._position = 0
        self._cached: tuple[int, bytes] = (-1, b"")  # the chunk read last, decrypted

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._store.fileno()

    def _size(self) -> int:
        return self._sealed * SEALED_CHUNK + len(self._tail)

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        if self._position != self._size():
            raise io.UnsupportedOperation("an export's temporary file is written from start to end only")
        self._tail += data
        while len(self._tail) >= SEALED_CHUNK:
            with memoryview(self._tail) as tail, tail[:SEALED_CHUNK] as chunk:
                sealed = self._cipher.encrypt(self._sealed.to_bytes(12, "big"), chunk, None)
            del self._tail[:SEALED_CHUNK]
            self._store.seek(0, io.SEEK_END)
            self._store.write(sealed)
            self._sealed += 1
        self._position = self._size()
        return len(data)

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        index, offset = divmod(self._position, SEALED_CHUNK)
        plain = self._chunk(index)
        count = min(len(buffer), len(plain) - offset)
        if count <= 0:
            return 0
        memoryview(buffer)[:count] = plain[offset : offset + count]
        self._position += count
        if offset + count == len(plain):
            self._cached = (-1, b"")  # read to its end: an export reads on, so memory holds one chunk at most
        return count

    def _chunk(self, index: int) -> bytes | bytearray:
        if index >= self._sealed:
            return self._tail if index == self._sealed else b""
        if self._cached[0] != index:
            self._store.seek(index * (SEALED_CHUNK + _TAG))
            sealed = self._store.read(SEALED_CHUNK + _TAG)
            self._cached = (index, self._cipher.decrypt(index.to_bytes(12, "big"), sealed, None))
        return self._cached[1]

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size()}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._position = base + offset
        return self._position

    def tell(self) -> int:
        return self._position

    def close(self) -> None:
        if not self.closed:
            self._store.close()
            self._tail.clear()
            self._cached = (-1, b"")
        super().close()


def sealed_spool(max_size: int, prefix: str) -> IO[bytes]:
    """A binary temporary file (read, write, seek, lines) kept encrypted under a key only this process has."""
    return io.BufferedRandom(SealedSpool(max_size, prefix))
