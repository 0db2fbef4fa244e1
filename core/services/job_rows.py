"""A new job's rows inside the caller's transaction: the job first, then the hold of exactly its price. Generate
adds one job per transaction; the lab adds every cell of an experiment in one, so all are held or none."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from core.domain import EngineRequest, GenerationKind, JobStatus
from core.domain.generation import Origin
from core.services import ledger
from core.text import plural
from db.tables import Generation
from db.uow import UnitOfWork


@dataclass(frozen=True)
class PlannedJob:
    """A checked, priced job not yet written: its id (the idempotency token), what the engine gets, its price."""

    id: str
    request: EngineRequest
    cost: int
    preset_id: int | None = None  # the Generate page's style, when one was picked


def add_job(
    uow: UnitOfWork,
    user_id: int,
    job: PlannedJob,
    now: datetime,
    waiting: str,
    input_ids: Sequence[int] = (),
    *,
    origin: Origin = Origin.STUDIO,
) -> None:
    """The job row, then the hold (a conditional update of the balance: too few credits raise, and the caller's
    transaction rolls back). Nothing is committed here."""
    request = job.request
    uow.generations.add(
        Generation(
            id=job.id,
            user_id=user_id,
            kind=request.kind.value,
            status=JobStatus.QUEUED.value,
            prompt=request.prompt,
            model=request.model,
            # A job made from images keeps their shape: its images record their real size instead.
            aspect_ratio="" if request.kind.takes_images else request.aspect_ratio,
            seed=request.seed,
            num_images=request.num_images,
            output_format=request.output_format,
            options=dict(request.options),
            parent_image_id=input_ids[0] if input_ids else None,
            cost=job.cost,
            status_message=waiting,
            created_at=now,
            updated_at=now,
            origin=origin.value,
            preset_id=job.preset_id,
        ),
        input_ids,
    )
    what = "lab cell" if origin == Origin.LAB else _noun(request)
    ledger.hold(uow, user_id, job.cost, job.id, f"Hold for {what}")


def _noun(request: EngineRequest) -> str:
    if request.kind == GenerationKind.EDIT:
        return "edit"
    if request.kind == GenerationKind.MULTI_REFERENCE:
        return "combination"
    if request.kind == GenerationKind.UPSCALE:
        return "upscale"
    if request.kind == GenerationKind.FILL:
        return "region repaint"
    return plural(request.num_images, "image")
