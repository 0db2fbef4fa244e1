"""Whole tables read a batch at a time, in id order: what the auditors' CSVs (privacy requests, consents) hold."""

from __future__ import annotations

from typing import TypeVar

from sqlmodel import SQLModel, col, select

from db.repositories.base import Repository

Row = TypeVar("Row", bound=SQLModel)


class AuditorRowRepository(Repository):
    def batch(self, table: type[Row], after: int | None, size: int) -> list[Row]:
        """Up to `size` rows of `table` with an id above `after`, in id order."""
        key = col(table.id)  # type: ignore[attr-defined]
        query = select(table).order_by(key).limit(size)
        if after is not None:
            query = query.where(key > after)
        return list(self.session.exec(query).all())
