"""BlobStore in memory: the test double shipped in the tree, for fast unit tests."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from core.errors import BlobNotFoundError


class InMemoryBlobStore:
    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, str]] = {}

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.objects[key] = (data, content_type)

    def put_stream(self, key: str, chunks: Iterable[bytes], content_type: str) -> int:
        # Memory is where this store keeps everything; joined first, so a failure midway stores nothing.
        data = b"".join(chunks)
        self.objects[key] = (data, content_type)
        return len(data)

    def get(self, key: str) -> bytes:
        try:
            return self.objects[key][0]
        except KeyError:
            raise BlobNotFoundError(f"No stored file for {key}") from None

    def delete(self, key: str) -> None:
        self.objects.pop(key, None)

    def exists(self, key: str) -> bool:
        return key in self.objects

    def open(self, key: str, chunk_size: int = 1 << 20) -> Iterator[bytes]:
        data = self.get(key)  # raises here, before anything is yielded
        return (data[start : start + chunk_size] for start in range(0, len(data), chunk_size))

    def size(self, key: str) -> int:
        return len(self.get(key))

    def keys(self, prefix: str = "") -> Iterator[str]:
        return iter([key for key in self.objects if key.startswith(prefix)])
