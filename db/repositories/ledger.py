"""Ledger rows: appended, summed and paged, raw or grouped into a statement; never changed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import String, case, cast, func, literal
from sqlmodel import col, select

from db.repositories.base import Repository
from db.repositories.inserts import insert_once
from db.tables import Generation, Image, LedgerEntry

JOB_KINDS = ("hold", "capture", "release")
JOB_KEY = "gen:"  # a job's entries are keyed "gen:<generation id>:<kind>" (core/services/ledger.py)


@dataclass(frozen=True)
class StatementLine:
    """One line of the statement: every entry of one generation job, or one grant or adjustment."""

    key: str  # "gen:<generation id>" for a job, "entry:<id>" otherwise
    last_id: int
    last_at: datetime
    kind: str  # a single entry's kind; for a job, the kind of one of its entries
    reason: str
    change: int
    held: int
    returned: int
    settled: bool  # a job with a capture or a release: it has ended
    reference: str = ""  # what the entry is about: "order 1a2b…", "by an admin"

    @property
    def generation_id(self) -> str | None:
        return self.key.removeprefix(JOB_KEY) if self.key.startswith(JOB_KEY) else None


class LedgerRepository(Repository):
    def add(self, entry: LedgerEntry) -> None:
        self.session.add(entry)
        self.session.flush()

    def add_once(self, entry: LedgerEntry) -> bool:
        """Add the row unless its idempotency key is taken (see `insert_once`)."""
        return insert_once(self.session, entry)

    def has_key(self, key: str) -> bool:
        found = self.session.exec(select(LedgerEntry.id).where(LedgerEntry.idempotency_key == key))
        return found.first() is not None

    def page(self, user_id: int, before_id: int | None, limit: int) -> Sequence[LedgerEntry]:
        query = select(LedgerEntry).where(LedgerEntry.user_id == user_id)
        if before_id is not None:
            query = query.where(col(LedgerEntry.id) < before_id)
        return self.session.exec(query.order_by(col(LedgerEntry.id).desc()).limit(limit)).all()

    def count(self, user_id: int) -> int:
        query = select(func.count()).select_from(LedgerEntry).where(LedgerEntry.user_id == user_id)
        return int(self.session.exec(query).one())

    def total(self, user_id: int) -> int:
        query = select(func.coalesce(func.sum(LedgerEntry.delta), 0)).where(LedgerEntry.user_id == user_id)
        return int(self.session.exec(query).one())

    def statement(self, user_id: int, before_id: int | None, limit: int) -> list[StatementLine]:
        """Statement lines newest first (by their newest entry), keyset-paged on that entry's id."""
        entries = _keyed(user_id)
        last_id = func.max(entries.c.id)
        query = (
            sa.select(
                entries.c.key,
                last_id,
                func.max(entries.c.created_at),
                func.min(entries.c.kind),
                func.max(entries.c.reason),
                func.sum(entries.c.delta),
                func.sum(case((entries.c.kind == "hold", -entries.c.delta), else_=0)),
                func.sum(case((entries.c.kind == "release", entries.c.delta), else_=0)),
                func.sum(case((entries.c.kind.in_(("capture", "release")), 1), else_=0)),
                func.max(entries.c.reference),
            )
            .group_by(entries.c.key)
            .order_by(last_id.desc())
            .limit(limit)
        )
        if before_id is not None:
            query = query.having(last_id < before_id)
        return [
            StatementLine(key, int(last), at, kind, reason, int(change), int(held), int(returned), settled > 0, ref)
            for key, last, at, kind, reason, change, held, returned, settled, ref in self.session.execute(query)
        ]

    def statement_count(self, user_id: int) -> int:
        entries = _keyed(user_id)
        return int(self.session.execute(sa.select(func.count(func.distinct(entries.c.key)))).scalar_one())

    def change_since(self, user_id: int, before_id: int) -> int:
        """The summed change of the statement lines at or above the cursor: the lines of newer pages."""
        entries = _keyed(user_id)
        newer = (
            sa.select(func.sum(entries.c.delta).label("change"))
            .group_by(entries.c.key)
            .having(func.max(entries.c.id) >= before_id)
            .subquery()
        )
        return int(self.session.execute(sa.select(func.coalesce(func.sum(newer.c.change), 0))).scalar_one())

    def statement_jobs(self, user_id: int, generation_ids: Sequence[str]) -> dict[str, tuple[Generation, Image | None]]:
        """Each job of a statement page with its first image, if one still exists."""
        if not generation_ids:
            return {}
        query = (
            select(Generation, Image)
            .outerjoin(Image, (col(Image.generation_id) == Generation.id) & (col(Image.user_id) == user_id))
            .where(Generation.user_id == user_id, col(Generation.id).in_(generation_ids))
            .order_by(col(Image.position), col(Image.id))
        )
        found: dict[str, tuple[Generation, Image | None]] = {}
        for generation, image in self.session.exec(query).all():
            found.setdefault(generation.id, (generation, image))
        return found


def _keyed(user_id: int) -> sa.Subquery:
    """The user's entries with the key of their statement line. A job's key comes from the
    idempotency key, not from `reference`, which keeps only 8 characters of the generation id."""
    key = case(
        (
            col(LedgerEntry.kind).in_(JOB_KINDS),
            func.substr(
                LedgerEntry.idempotency_key,
                1,
                func.length(LedgerEntry.idempotency_key) - func.length(LedgerEntry.kind) - 1,
            ),
        ),
        else_=literal("entry:") + cast(LedgerEntry.id, String),
    )
    columns = (
        col(LedgerEntry.id),
        col(LedgerEntry.kind),
        col(LedgerEntry.delta),
        col(LedgerEntry.reason),
        col(LedgerEntry.reference),
    )
    return (
        sa.select(*columns, col(LedgerEntry.created_at), key.label("key"))
        .where(col(LedgerEntry.user_id) == user_id)
        .subquery("entries")
    )
