"""Privacy requests: the record of every right exercised, self-service or handled by staff."""

from __future__ import annotations

from sqlmodel import col, select

from db.repositories.base import Repository
from db.tables import PrivacyRequest


class PrivacyRequestRepository(Repository):
    def add(self, request: PrivacyRequest) -> PrivacyRequest:
        self.session.add(request)
        self.session.flush()
        return request

    def for_user(self, user_id: int) -> list[PrivacyRequest]:
        """The user's requests, newest first."""
        query = (
            select(PrivacyRequest).where(col(PrivacyRequest.user_id) == user_id).order_by(col(PrivacyRequest.id).desc())
        )
        return list(self.session.exec(query).all())
