"""The reads and deletes the personal-data map's plain entries share: a table's rows whose owner column names a
user, counted or deleted. Entries that need more (a blob's outbox row, pseudonymising) have their own methods in
their capability's repository."""

from __future__ import annotations

from sqlalchemy import Table, delete, func, or_, select, update
from sqlmodel import SQLModel

from db.repositories.base import Repository


class PersonalRowRepository(Repository):
    def count(self, table: str, owner_columns: tuple[str, ...], user_id: int) -> int:
        found = _table(table)
        query = select(func.count()).select_from(found).where(_owned(found, owner_columns, user_id))
        return int(self.session.execute(query).scalar_one())

    def delete(self, table: str, owner_columns: tuple[str, ...], user_id: int) -> int:
        found = _table(table)
        result = self.session.execute(delete(found).where(_owned(found, owner_columns, user_id)))
        return int(getattr(result, "rowcount", 0) or 0)

    def move(self, table: str, owner_columns: tuple[str, ...], user_id: int, to_id: int) -> int:
        """The user's rows stay, handed to the pseudonym account (shared work that must not vanish with them)."""
        found = _table(table)
        moved = 0
        for column in owner_columns:
            statement = update(found).where(found.c[column] == user_id).values({column: to_id})
            moved += int(getattr(self.session.execute(statement), "rowcount", 0) or 0)
        return moved


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


def _owned(table: Table, owner_columns: tuple[str, ...], user_id: int):  # type: ignore[no-untyped-def]
    return or_(*(table.c[column] == user_id for column in owner_columns))
