"""The one change the append-only audit log allows: an erased person's id cleared from the rows that name them (the
actor cleared, a "user:<id>" subject made "user:erased"). Migration 0008's trigger refuses any other change, and
tests/integration/test_admin_console.py allows no other module to update audit rows."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col

from db.repositories.base import Repository
from db.tables import AuditEntry

ERASED_SUBJECT = "user:erased"


class AuditPseudonymRepository(Repository):
    def pseudonymise(self, user_id: int) -> int:
        """How many rows named the person (as subject or as actor)."""
        subject = update(AuditEntry).where(col(AuditEntry.subject) == f"user:{user_id}").values(subject=ERASED_SUBJECT)
        actor = update(AuditEntry).where(col(AuditEntry.actor_id) == user_id).values(actor_id=None)
        return sum(int(getattr(self.session.execute(query), "rowcount", 0) or 0) for query in (subject, actor))
