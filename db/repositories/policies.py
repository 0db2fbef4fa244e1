"""Policy publications, the announcement's progress through the users, and users' acknowledgements."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import col, select

from db.repositories.base import Repository
from db.repositories.inserts import insert_once
from db.tables import PolicyAcknowledgement, PolicyPublication, User


class PolicyRepository(Repository):
    def publications(self) -> Sequence[PolicyPublication]:
        """Every publication of every document, oldest effective date first (a few a year: no paging)."""
        query = select(PolicyPublication).order_by(col(PolicyPublication.effective_at), col(PolicyPublication.id))
        return self.session.exec(query).all()

    def publication(self, publication_id: int) -> PolicyPublication | None:
        return self.session.get(PolicyPublication, publication_id)

    def publish_once(self, publication: PolicyPublication) -> bool:
        """Add the publication unless that version of that document was published already."""
        return insert_once(self.session, publication)

    def unfinished_announcements(self) -> Sequence[int]:
        query = select(PolicyPublication.id).where(
            col(PolicyPublication.material), col(PolicyPublication.announcement_done_at).is_(None)
        )
        return [i for i in self.session.exec(query).all() if i is not None]

    def people_after(self, after_id: int, limit: int) -> Sequence[int]:
        """The ids of accounts that are a person (not an erased account's tombstone) after `after_id`, in order."""
        query = (
            select(User.id)
            .where(col(User.id) > after_id, col(User.role) != "erased", col(User.email) != "")
            .order_by(col(User.id))
            .limit(limit)
        )
        return [i for i in self.session.exec(query).all() if i is not None]

    def advance_announcement(self, publication_id: int, reached: int, expected: int, done_at: datetime | None) -> bool:
        """Record how far the announcement got, if nobody moved it on meanwhile (two loops at once)."""
        result = self.session.execute(
            update(PolicyPublication)
            .where(col(PolicyPublication.id) == publication_id, col(PolicyPublication.announced_to) == expected)
            .values(announced_to=reached, announcement_done_at=done_at)
        )
        return result.rowcount == 1  # type: ignore[attr-defined, no-any-return]

    def acknowledge_once(self, acknowledgement: PolicyAcknowledgement) -> bool:
        return insert_once(self.session, acknowledgement)

    def acknowledgements(self, user_id: int) -> Sequence[PolicyAcknowledgement]:
        """The user's acknowledgements, newest first."""
        query = (
            select(PolicyAcknowledgement)
            .where(col(PolicyAcknowledgement.user_id) == user_id)
            .order_by(col(PolicyAcknowledgement.id).desc())
        )
        return self.session.exec(query).all()

    def acknowledgement_counts(self) -> dict[tuple[str, str], int]:
        """How many users acknowledged each (document, version)."""
        query = select(PolicyAcknowledgement.document, PolicyAcknowledgement.version, func.count()).group_by(
            col(PolicyAcknowledgement.document), col(PolicyAcknowledgement.version)
        )
        return {(document, version): int(n) for document, version, n in self.session.exec(query).all()}

    def forget_publisher(self, user_id: int) -> int:
        """An erased admin's name leaves the publications they made (the publications stay: they are the
        record of what was in force when)."""
        result = self.session.execute(
            update(PolicyPublication).where(col(PolicyPublication.published_by) == user_id).values(published_by=None)
        )
        return int(getattr(result, "rowcount", 0) or 0)
