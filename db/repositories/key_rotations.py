"""Key rotations: each pass's row, its counts as it goes, and whether a pass under a key has completed."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select

from db.repositories.base import Repository
from db.tables.encryption import KeyRotation


class KeyRotationRepository(Repository):
    def start(self, current_key: str, now: datetime) -> int:
        row = KeyRotation(current_key=current_key, started_at=now)
        self.session.add(row)
        self.session.flush()
        assert row.id is not None
        return row.id

    def record(self, rotation_id: int, counts: tuple[int, int, int, int], finished_at: datetime | None = None) -> None:
        """The pass's counts so far (already, rewrapped, encrypted, failed), and its end once it has one."""
        row = self.session.get(KeyRotation, rotation_id)
        if row is not None:
            row.already, row.rewrapped, row.encrypted, row.failed = counts
            row.finished_at = finished_at
            self.session.add(row)

    def completed_under(self, current_key: str) -> bool:
        """Whether the latest pass moved everything under this key and finished with nothing failed: every blob
        written since is under it. Only the latest counts: a key used again after another is rotated to anew."""
        latest = self.latest(1)
        return (
            bool(latest)
            and (latest[0].current_key, latest[0].failed) == (current_key, 0)
            and (latest[0].finished_at is not None)
        )

    def latest(self, limit: int = 10) -> list[KeyRotation]:
        query = select(KeyRotation).order_by(col(KeyRotation.id).desc()).limit(limit)
        return list(self.session.exec(query).all())
