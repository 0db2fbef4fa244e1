"""Deletions owed to other systems (a blob in a store, an engine's stored payloads of a job, an erased account's
subscription at its payment provider): written to the outbox
in the same transaction as the rows that named them are deleted, so a crash loses none, and carried out by the
worker, retried until done."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from db.repositories.deletions import DeletionRepository
from db.uow import UnitOfWork


class DeletionKind(StrEnum):
    BLOB = "blob"  # a key in the media store
    WITHHELD = "withheld"  # a key in the withheld store (images the safety check withheld)
    ENGINE = "engine"  # an engine's request id: ask the engine to delete what it kept of that job
    ENGINE_CANCEL = "engine-cancel"  # a canceled job's request id: stop it at the engine, then delete what it kept
    SUBSCRIPTION = "subscription"  # "<provider>:<subscription ref>": a running plan of an erased account, canceled


def owe(uow: UnitOfWork, kind: DeletionKind, target: str, now: datetime, erasure: str = "") -> None:
    """Record that `target` must be deleted, in the caller's transaction; it is deleted after the commit."""
    owe_many(uow, kind, [target], now, erasure)


def owe_many(uow: UnitOfWork, kind: DeletionKind, targets: Sequence[str], now: datetime, erasure: str = "") -> None:
    """As `owe`, for many targets in one statement (an erasure owes thousands of files)."""
    uow.of(DeletionRepository).add_many(kind.value, targets, erasure, now)
