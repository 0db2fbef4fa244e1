"""The audit log: rows are added and read. There is deliberately no method that changes or removes one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func
from sqlmodel import col, select

from db.repositories.base import Repository
from db.tables import AuditEntry, User


@dataclass(frozen=True)
class AuditQuery:
    actor_id: int | None = None
    action: str = ""
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


class AuditRepository(Repository):
    def add(self, entry: AuditEntry) -> None:
        self.session.add(entry)
        self.session.flush()

    def page(self, query: AuditQuery, before_id: int | None, limit: int) -> Sequence[tuple[AuditEntry, str | None]]:
        """Newest first, with the actor's current email (None for the system or a deleted account)."""
        statement = (
            select(AuditEntry, User.email)
            .join(User, col(User.id) == col(AuditEntry.actor_id), isouter=True)
            .where(*_conditions(query))
        )
        if before_id is not None:
            statement = statement.where(col(AuditEntry.id) < before_id)
        return self.session.exec(statement.order_by(col(AuditEntry.id).desc()).limit(limit)).all()

    def count(self, query: AuditQuery) -> int:
        return int(self.session.exec(select(func.count()).select_from(AuditEntry).where(*_conditions(query))).one())

    def actors(self) -> list[tuple[int, str]]:
        """Who appears as an actor, with their current email (a deleted account shows as its id)."""
        query = (
            select(AuditEntry.actor_id, User.email)
            .join(User, col(User.id) == col(AuditEntry.actor_id), isouter=True)
            .where(col(AuditEntry.actor_id).is_not(None))
            .distinct()
        )
        found = [
            (actor_id, email or f"user #{actor_id} (deleted)")
            for actor_id, email in self.session.exec(query)
            if actor_id is not None
        ]
        return sorted(found, key=lambda pair: pair[1])

    def actions(self) -> list[str]:
        return list(self.session.exec(select(AuditEntry.action).distinct().order_by(col(AuditEntry.action))).all())


def _conditions(query: AuditQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.actor_id is not None:
        conditions.append(col(AuditEntry.actor_id) == query.actor_id)
    if query.action:
        conditions.append(col(AuditEntry.action) == query.action)
    if query.since is not None:
        conditions.append(col(AuditEntry.created_at) >= query.since)
    if query.until is not None:
        conditions.append(col(AuditEntry.created_at) < query.until)
    return conditions
