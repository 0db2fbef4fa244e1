"""Privacy requests: the record of every right exercised, self-service or handled by staff."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import col, select

from db.repositories.base import Repository
from db.tables import PrivacyRequest

OPEN = ("received", "in_progress", "extended")  # statuses an admin still has to act on


class PrivacyRequestRepository(Repository):
    def add(self, request: PrivacyRequest) -> PrivacyRequest:
        self.session.add(request)
        self.session.flush()
        return request

    def get(self, request_id: int) -> PrivacyRequest | None:
        return self.session.get(PrivacyRequest, request_id)

    def close(self, request_id: int, status: str, answer: str, handler_id: int, now: datetime) -> PrivacyRequest | None:
        """Answer an open request; None when it is not open any more (a second admin answered first)."""
        return self.change(request_id, OPEN, status=status, answer=answer, handler_id=handler_id, completed_at=now)

    def change(self, request_id: int, allowed: Sequence[str], **values: Any) -> PrivacyRequest | None:
        """Set `values` on the request only while its status is one of `allowed` (a conditional update, so two
        admins acting at once cannot both move it); None when it was not."""
        result = self.session.execute(
            update(PrivacyRequest)
            .where(col(PrivacyRequest.id) == request_id, col(PrivacyRequest.status).in_(allowed))
            .values(**values)
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

    def queue(self, limit: int, *, open_only: bool = False) -> list[PrivacyRequest]:
        """What an admin works through: the open requests, soonest due first, then (unless `open_only`) the
        closed ones, newest first."""
        is_open = col(PrivacyRequest.status).in_(OPEN)
        query = select(PrivacyRequest).where(is_open).order_by(col(PrivacyRequest.due_at), col(PrivacyRequest.id))
        found = list(self.session.exec(query.limit(limit)).all())
        if not open_only and len(found) < limit:
            closed = select(PrivacyRequest).where(~is_open).order_by(col(PrivacyRequest.id).desc())
            found += self.session.exec(closed.limit(limit - len(found))).all()
        return found

    def pseudonymise(self, user_id: int) -> int:
        """Delete the user's requests, except the record that an erasure was asked for and done: that one stays
        under its reference, with nothing that names the user. Returns how many rows went or changed."""
        keep = col(PrivacyRequest.kind) == "erasure"
        mine = col(PrivacyRequest.user_id) == user_id
        gone = self.session.execute(delete(PrivacyRequest).where(mine, ~keep))
        kept = self.session.execute(
            update(PrivacyRequest).where(mine, keep).values(user_id=None, detail="", answer="", extension_reason="")
        )
        # An erased admin's name is not on the requests they answered, but their id is.
        self.session.execute(
            update(PrivacyRequest).where(col(PrivacyRequest.handler_id) == user_id).values(handler_id=None)
        )
        return int(getattr(gone, "rowcount", 0) or 0) + int(getattr(kept, "rowcount", 0) or 0)
