"""The Generate page's draft: one row per user, written whole."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from db.repositories.base import Repository
from db.tables import GenerateDraft


class DraftRepository(Repository):
    def get(self, user_id: int) -> GenerateDraft | None:
        return self.session.get(GenerateDraft, user_id)

    def put(self, user_id: int, data: Mapping[str, object], now: datetime) -> None:
        """Write the user's draft over the one kept (a second tab's save simply wins)."""
        row = self.session.get(GenerateDraft, user_id)
        if row is None:
            self.session.add(GenerateDraft(user_id=user_id, data=dict(data), updated_at=now))
        else:
            row.data, row.updated_at = dict(data), now
            self.session.add(row)
        self.session.flush()
