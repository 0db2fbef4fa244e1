"""The exports' files (the history's and the privacy centre's "everything"): spooled temporary files for the
CSVs, the JSON and the list of originals, and a ZIP streamed from them and from the blob store, STORED (images
are compressed already), so its exact size is known before the first byte. Memory stays flat in the size of
the images: nothing is held whole."""

from __future__ import annotations

import json
import struct
from array import array
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import IO, TypeAlias

from zipstream import ZipStream

from core.errors import AtelierError, BlobNotFoundError
from core.ports import BlobStore
from core.sealed_spool import sealed_spool

SPOOL_BYTES = 256 * 1024  # a small export stays in memory; a larger one goes to a temporary file
CHUNK_BYTES = 1 << 20
TempFile: TypeAlias = IO[bytes]
_LOCAL_HEADER, _CENTRAL_HEADER = b"PK\x03\x04", b"PK\x01\x02"


class ExportInterruptedError(AtelierError):
    """An original went missing after the export was prepared: the download stops short (the browser shows it
    failed) rather than sending a damaged ZIP. Opening the link again prepares a fresh, complete one."""


def spooled() -> TempFile:
    """A temporary file that lives in memory up to SPOOL_BYTES, then on disk, unlinked: it is gone when closed,
    and the system removes it even if the process dies. What reaches the disk is encrypted under a key only
    this process holds (core/sealed_spool.py): an export's rows are as private as the images."""
    return sealed_spool(SPOOL_BYTES, "atelier-export-")


def file_size(handle: TempFile) -> int:
    handle.flush()
    return handle.seek(0, 2)


def read_chunks(handle: TempFile) -> Iterator[bytes]:
    handle.seek(0)
    while chunk := handle.read(CHUNK_BYTES):
        yield chunk


class ImageList:
    """The originals to put in the ZIP, one line each in a temporary file, in export order."""

    def __init__(self) -> None:
        self.file = spooled()

    def add(self, arcname: str, blob_key: str, size: int, created_at: datetime) -> None:
        # Blob keys and arcnames are made by us ("u12/<hex>.png"): no tab or newline in them.
        self.file.write(f"{arcname}\t{blob_key}\t{size}\t{created_at.isoformat()}\n".encode())

    def __iter__(self) -> Iterator[tuple[str, str, int, datetime]]:
        self.file.seek(0)
        for line in self.file:
            arcname, key, size, created = line.decode().rstrip("\n").split("\t")
            yield arcname, key, int(size), datetime.fromisoformat(created)


class ExportDownload:
    """One prepared download: its file name, type, exact size and date, and its bytes, iterated once. It owns
    its temporary files: they are closed (so deleted) when the stream ends or fails, or by `close()`, which
    the route calls when the client goes away."""

    def __init__(
        self,
        filename: str,
        content_type: str,
        size: int,
        last_modified: datetime,
        chunks: Iterable[bytes],
        files: list[TempFile],
    ) -> None:
        self.filename, self.content_type, self.size, self.last_modified = filename, content_type, size, last_modified
        self._files = files
        self._chunks = self._stream(chunks)

    def __iter__(self) -> Iterator[bytes]:
        return self._chunks

    def _stream(self, chunks: Iterable[bytes]) -> Generator[bytes]:
        try:
            yield from chunks
        finally:
            self._close_files()

    def close(self) -> None:
        self._chunks.close()
        self._close_files()  # a stream never started runs no finally

    def _close_files(self) -> None:
        for handle in self._files:
            handle.close()

    def __enter__(self) -> ExportDownload:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class DatedZip:
    """A STORED ZipStream whose entries carry the dates we give them.

    zipstream-ng 1.9.3 stamps each entry added from data with the current time and takes no date for it, so
    two downloads of one export would differ. As the stream passes, this rewrites the date and time fields of
    each entry's local header and central-directory record (the same fixed offsets in every such record) with
    the dates given, in the order the entries were added. Only zipstream's own records are touched: our data
    chunks pass through it unchanged and are recognised by identity, so no file content is ever mistaken for a
    header, whatever bytes it holds. The CRCs cover the data only, so they stay right."""

    def __init__(self) -> None:
        self._zip = ZipStream(sized=True)
        self._dates = array("H")  # DOS time, DOS date, per entry
        self._last: bytes | None = None

    def add(self, arcname: str, chunks: Callable[[], Iterable[bytes]], size: int, when: datetime) -> None:
        """Queue an entry whose bytes `chunks()` yields when its turn comes (so a file is opened only then)."""
        self._zip.add(self._passing(chunks), arcname, size=size)
        self._dates.extend(_dos(when))

    def __len__(self) -> int:
        return len(self._zip)

    def _passing(self, chunks: Callable[[], Iterable[bytes]]) -> Iterator[bytes]:
        for chunk in chunks():
            if chunk:
                self._last = chunk
                yield chunk

    def __iter__(self) -> Iterator[bytes]:
        local = central = 0
        for chunk in self._zip:
            if chunk is not self._last:
                if chunk[:4] == _LOCAL_HEADER:
                    chunk = self._dated(chunk, 10, local)
                    local += 1
                elif chunk[:4] == _CENTRAL_HEADER:
                    chunk = self._dated(chunk, 12, central)
                    central += 1
            yield chunk
        if local != central or 2 * local != len(self._dates):
            raise RuntimeError("zipstream-ng wrote records this version does not expect: check DatedZip")

    def _dated(self, record: bytes, offset: int, entry: int) -> bytes:
        fixed = struct.pack("<HH", self._dates[2 * entry], self._dates[2 * entry + 1])
        return record[:offset] + fixed + record[offset + 4 :]


class JsonStream:
    """A JSON document written as it is read: its header fields, then each named list one object per line,
    never one big list in memory. `begin(name)`, `write(item)`... `end()` for each list, then `close()`."""

    def __init__(self, out: TempFile, header: Mapping[str, object]) -> None:
        self.out, self.first = out, True
        fields = ",\n".join(f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in header.items())
        self._put("{\n" + fields)

    def begin(self, name: str) -> None:
        self._put(f",\n  {json.dumps(name)}: [")
        self.first = True

    def write(self, item: Mapping[str, object]) -> None:
        self._put(("\n    " if self.first else ",\n    ") + json.dumps(item, ensure_ascii=False))
        self.first = False

    def end(self) -> None:
        self._put("]" if self.first else "\n  ]")

    def close(self) -> None:
        self._put("\n}\n")

    def _put(self, text: str) -> None:
        self.out.write(text.encode("utf-8"))


def zip_download(
    filename: str,
    issued_at: datetime,
    blobs: BlobStore,
    texts: Sequence[tuple[str, bytes]],
    files: Sequence[tuple[str, TempFile]],
    images: ImageList,
) -> ExportDownload:
    """The ZIP of an export: small texts made in memory, then the temporary files, all dated by the link's
    issue time, then the originals in `images`, each dated when it was made. The image list is read (and
    closed) here; the download owns the other temporary files."""
    archive = DatedZip()
    for arcname, data in texts:
        archive.add(arcname, _constant(data), len(data), issued_at)
    for arcname, handle in files:
        archive.add(arcname, _reader(handle), file_size(handle), issued_at)
    with images.file:
        for arcname, key, size, created_at in images:
            archive.add(arcname, blob_chunks(blobs, key), size, created_at)
    return ExportDownload(filename, "application/zip", len(archive), issued_at, archive, [h for _, h in files])


def close_all(handles: Iterable[TempFile | None]) -> None:
    """Close (so delete) the temporary files of an export that failed before its download began."""
    for handle in handles:
        if handle is not None:
            handle.close()


def _constant(data: bytes) -> Callable[[], Iterator[bytes]]:
    return lambda: iter((data,))


def _reader(handle: TempFile) -> Callable[[], Iterator[bytes]]:
    return lambda: read_chunks(handle)


def blob_chunks(blobs: BlobStore, key: str) -> Callable[[], Iterator[bytes]]:
    def chunks() -> Iterator[bytes]:
        try:
            yield from blobs.open(key, CHUNK_BYTES)
        except BlobNotFoundError:
            raise ExportInterruptedError("An image was deleted during the download. Open the link again.") from None

    return chunks


def _dos(moment: datetime) -> tuple[int, int]:
    """A UTC moment as a ZIP entry's DOS (time, date), within the years the format can hold."""
    t = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    year = min(max(t.year, 1980), 2107)
    return t.hour << 11 | t.minute << 5 | t.second // 2, (year - 1980) << 9 | t.month << 5 | t.day
