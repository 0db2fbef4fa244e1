"""What deleting images does to their jobs: a job with no image left leaves the search index; asked to, its
prompt and settings go too (the row, when no image of it is left; blanked on the images that remain)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import delete, update
from sqlmodel import col, select

from db.repositories.base import Repository
from db.tables import Generation, GenerationInput, Image, SafetyReview


class JobErasureRepository(Repository):
    def without_images(self, generation_ids: Collection[str]) -> set[str]:
        """Those of the jobs that have no image left."""
        if not generation_ids:
            return set()
        query = select(Image.generation_id).where(col(Image.generation_id).in_(sorted(generation_ids))).distinct()
        return set(generation_ids) - set(self.session.exec(query).all())

    def hide_from_search(self, generation_ids: Collection[str]) -> None:
        if generation_ids:
            query = update(Generation).where(col(Generation.id).in_(sorted(generation_ids))).values(searchable=False)
            self.session.execute(query)

    def forget(self, user_id: int, generation_id: str, has_images: bool) -> str | None:
        """The job's prompt and settings go: the row (with its inputs) when no image of it is left and nothing
        else points at it, else the text is blanked. The engine's request id, for asking it to forget too."""
        job = self.session.get(Generation, generation_id)
        if job is None or job.user_id != user_id:
            return None
        request_id = job.provider_request_id
        reviewed = self.session.exec(select(SafetyReview.id).where(SafetyReview.generation_id == generation_id)).first()
        if has_images or reviewed is not None:
            job.prompt, job.options, job.status_message, job.searchable = "", {}, "", False
            self.session.add(job)
        else:
            self.session.execute(delete(GenerationInput).where(col(GenerationInput.generation_id) == generation_id))
            self.session.delete(job)
        self.session.flush()
        return request_id
