"""BlobStore on the local disk: the embedded default, one file per key under a root folder, every file 0600 and
every folder 0700 (core.private_files)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from core.errors import BlobNotFoundError
from core.private_files import private_folder, write_private, write_private_stream


class LocalBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        private_folder(self.root, narrow_existing=True)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        private_folder(path.parent)
        write_private(path, data)  # written then renamed: a crash never leaves half a file under the real name

    def put_stream(self, key: str, chunks: Iterable[bytes], content_type: str) -> int:
        path = self._path(key)
        private_folder(path.parent)
        return write_private_stream(path, chunks)

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise BlobNotFoundError(f"No stored file for {key}") from None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def open(self, key: str, chunk_size: int = 1 << 20) -> Iterator[bytes]:
        # Opened here, not in the generator, so a missing file raises before anything is yielded.
        try:
            handle = self._path(key).open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise BlobNotFoundError(f"No stored file for {key}") from None
        return _chunks(handle, chunk_size)

    def size(self, key: str) -> int:
        try:
            found = os.stat(self._path(key))
        except (FileNotFoundError, NotADirectoryError):
            found = None
        if found is None or not stat.S_ISREG(found.st_mode):
            raise BlobNotFoundError(f"No stored file for {key}")
        return found.st_size

    def keys(self, prefix: str = "") -> Iterator[str]:
        """Every stored key that starts with `prefix`, in no set order (temporary files of a write are left out)."""
        for path in self.root.rglob("*"):
            if path.is_file() and not path.name.startswith("."):
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    yield key

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError("Blob keys must stay inside the store")
        return path


def _chunks(handle: BinaryIO, chunk_size: int) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(chunk_size):
            yield chunk
