"""The history export's reads that the gallery has no use for: one snapshot for the whole export, the
totals its size estimate needs, and the jobs of one batch of images at once."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func
from sqlmodel import col, select

from core.domain.gallery import GalleryFilter
from db.repositories.base import Repository
from db.repositories.gallery_query import filtered
from db.tables import Generation, Image


class ExportRepository(Repository):
    def hold_snapshot(self) -> None:
        """Make every later read of this transaction see the database as it was at the first one, so the
        CSV, the JSON and the image list agree. SQLite's read transaction does so already (WAL); PostgreSQL's
        default READ COMMITTED would not, so it becomes REPEATABLE READ. Call before any other read."""
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})

    def totals(self, user_id: int, gallery_filter: GalleryFilter) -> tuple[int, int, int]:
        """In one query, over the user's images that match the filter: how many, their bytes, and the
        characters of their jobs' prompts (an upload has none)."""
        matching = filtered(
            self.session, select(col(Image.size_bytes), col(Image.generation_id)), user_id, gallery_filter, whole=True
        ).subquery()
        query = (
            select(
                func.count(),
                func.coalesce(func.sum(matching.c.size_bytes), 0),
                func.coalesce(func.sum(func.length(col(Generation.prompt))), 0),
            )
            .select_from(matching)
            .outerjoin(Generation, col(Generation.id) == matching.c.generation_id)
        )
        count, size, prompt_chars = self.session.exec(query).one()
        return int(count), int(size), int(prompt_chars)

    def generations(self, user_id: int, generation_ids: Collection[str]) -> dict[str, Generation]:
        """The user's jobs among `generation_ids`, by id (others' are left out)."""
        if not generation_ids:
            return {}
        query = select(Generation).where(Generation.user_id == user_id, col(Generation.id).in_(generation_ids))
        return {row.id: row for row in self.session.exec(query).all()}
