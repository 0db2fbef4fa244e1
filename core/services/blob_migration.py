"""Copying one blob store into another as it is (`make migrate-blobs`: the local media folder into S3), so an instance
moves from the embedded default to production without losing an image. The bytes go across untouched, under the
same keys: an encrypted blob stays ciphertext, to be opened by the same keys on the other side.

Resumable: an object already at the target with the same size and SHA-256 is skipped, so a run stopped halfway
(Ctrl-C, a lost connection) is simply run again. Verifying: each copied object is read back from the target and
counts only when its length and SHA-256 are the source's; a corrupt or short object at the target is replaced."""

from __future__ import annotations

import hashlib
import itertools
import logging
import mimetypes
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from core.blob_cipher import SEALED_TYPE, is_sealed
from core.errors import BlobNotFoundError
from core.logs import log_failure
from core.ports import BlobStore

log = logging.getLogger(__name__)


class CopyMismatchError(Exception):
    """What the target gave back is not what was copied."""


@dataclass
class MigrationReport:
    copied: int = 0
    skipped: int = 0  # already there, the same bytes
    failed: list[str] = field(default_factory=list)  # the keys, each logged with its reason

    def __str__(self) -> str:
        return f"copied {self.copied}, skipped {self.skipped}, failed {len(self.failed)}"


@dataclass(frozen=True)
class Fingerprint:
    size: int
    sha256: str


def migrate(source: BlobStore, target: BlobStore, prefix: str = "") -> MigrationReport:
    """Copy every object of `source` under `prefix` to `target`, one at a time. An object that fails is logged
    and counted, and the run goes on; an interruption (KeyboardInterrupt) stops it, to be run again."""
    report = MigrationReport()
    for key in source.keys(prefix):
        try:
            if copy_one(source, target, key):
                report.copied += 1
            else:
                report.skipped += 1
        except Exception as error:  # noqa: BLE001 - one object's failure is reported; the others still move
            log_failure(log, f"Could not copy {key}", error)  # the type and place, never the message
            report.failed.append(key)
    return report


def copy_one(source: BlobStore, target: BlobStore, key: str) -> bool:
    """Copy one object unless the target has the same bytes already; False when it did. Raises when the copy
    read back from the target is not the source's."""
    if _already_there(source, target, key):
        return False
    chunks = source.open(key)
    first = next(chunks, b"")
    sent = _Fingerprinting(itertools.chain((first,), chunks))
    target.put_stream(key, sent, _content_type(key, first))
    stored = fingerprint(target.open(key))
    if stored != sent.result():
        raise CopyMismatchError(f"the copy reads back as {stored.size} bytes and another SHA-256")
    return True


def fingerprint(chunks: Iterable[bytes]) -> Fingerprint:
    counted = _Fingerprinting(iter(chunks))
    for _ in counted:
        pass
    return counted.result()


def _already_there(source: BlobStore, target: BlobStore, key: str) -> bool:
    """The same length at the target (a cheap look first), then the same SHA-256 (both read)."""
    try:
        if target.size(key) != source.size(key):
            return False
        return fingerprint(target.open(key)) == fingerprint(source.open(key))
    except BlobNotFoundError:
        return False


def _content_type(key: str, first: bytes) -> str:
    """An encrypted blob is opaque bytes; a plaintext one (ENCRYPT_BLOBS off) is typed by its name."""
    if is_sealed(first):
        return SEALED_TYPE
    return mimetypes.guess_type(key)[0] or SEALED_TYPE


class _Fingerprinting:
    """The chunks passed on to the target, hashed and counted on the way."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks, self._digest, self._size = chunks, hashlib.sha256(), 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            self._digest.update(chunk)
            self._size += len(chunk)
            yield chunk

    def result(self) -> Fingerprint:
        return Fingerprint(self._size, self._digest.hexdigest())
