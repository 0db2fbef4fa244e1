"""Privacy requests: the record of every right exercised, self-service or handled by staff."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, delete, update
from sqlmodel import col, select

from db.repositories.base import Repository
from db.tables import PrivacyRequest

OPEN = ("received", "in_progress")  # statuses an admin still has to act on


class PrivacyRequestRepository(Repository):
    def add(self, request: PrivacyRequest) -> PrivacyRequest:
        self.session.add(request)
        self.session.flush()
        return request

    def get(self, request_id: int) -> PrivacyRequest | None:
        return self.session.get(PrivacyRequest, request_id)

    def close(self, request_id: int, status: str, answer: str, handler_id: int, now: datetime) -> PrivacyRequest | None:
        """Answer an open request; None when it is not open any more (a second admin answered first)."""
        result = self.session.execute(
            update(PrivacyRequest)
            .where(col(PrivacyRequest.id) == request_id, col(PrivacyRequest.status).in_(OPEN))
            .values(status=status, answer=answer, handler_id=handler_id, completed_at=now)
        )
        if not getattr(result, "rowcount", 0):
            return None
        found = self.get(request_id)
        if found is not None:
            self.session.refresh(found)
        return found

    def for_user(self, user_id: int) -> list[PrivacyRequest]:
        """The user's requests, newest first."""
        query = (
            select(PrivacyRequest).where(col(PrivacyRequest.user_id) == user_id).order_by(col(PrivacyRequest.id).desc())
        )
        return list(self.session.exec(query).all())

    def queue(self, limit: int) -> list[PrivacyRequest]:
        """Every request, the open ones first, each group oldest first: what an admin works through."""
        closed = case((col(PrivacyRequest.status).in_(OPEN), 0), else_=1)
        query = select(PrivacyRequest).order_by(closed, col(PrivacyRequest.id)).limit(limit)
        return list(self.session.exec(query).all())

    def pseudonymise(self, user_id: int) -> int:
        """Delete the user's requests, except the record that an erasure was asked for and done: that one stays
        under its reference, with nothing that names the user. Returns how many rows went or changed."""
        keep = col(PrivacyRequest.kind) == "erasure"
        mine = col(PrivacyRequest.user_id) == user_id
        gone = self.session.execute(delete(PrivacyRequest).where(mine, ~keep))
        kept = self.session.execute(update(PrivacyRequest).where(mine, keep).values(user_id=None, detail="", answer=""))
        # An erased admin's name is not on the requests they answered, but their id is.
        self.session.execute(
            update(PrivacyRequest).where(col(PrivacyRequest.handler_id) == user_id).values(handler_id=None)
        )
        return int(getattr(gone, "rowcount", 0) or 0) + int(getattr(kept, "rowcount", 0) or 0)
