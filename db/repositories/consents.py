"""Consent records: appended, never changed; a purpose's current value is its newest record."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select

from core.domain.privacy import Choices, Purpose
from db.repositories.base import Repository
from db.tables import ConsentRecord


class ConsentRepository(Repository):
    def add(self, record: ConsentRecord) -> int:
        """Append the record; its id (the confirmation email's key names it)."""
        self.session.add(record)
        self.session.flush()
        assert record.id is not None
        return record.id

    def choices(self, user_id: int) -> Choices:
        newest = (
            select(func.max(col(ConsentRecord.id)))
            .where(col(ConsentRecord.user_id) == user_id)
            .group_by(col(ConsentRecord.purpose))
        )
        rows = self.session.exec(select(ConsentRecord).where(col(ConsentRecord.id).in_(newest))).all()
        known = {p.value for p in Purpose}
        return Choices({Purpose(r.purpose): r.granted for r in rows if r.purpose in known})

    def history(self, user_id: int) -> list[ConsentRecord]:
        """Every record of the user, newest first."""
        query = (
            select(ConsentRecord).where(col(ConsentRecord.user_id) == user_id).order_by(col(ConsentRecord.id).desc())
        )
        return list(self.session.exec(query).all())
