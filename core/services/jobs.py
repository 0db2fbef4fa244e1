"""JobRunner: moves generation jobs forward with the engine and settles their credit holds.

Used by the page (right after submit, and while it polls) and by the background loop, so a
closed tab or a restarted server loses nothing. A job is worked on only by whoever holds its
lease; no transaction stays open while the engine is called.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from core.clock import Clock
from core.domain import EngineRequest, EngineState, GenerationKind, JobStatus
from core.errors import AtelierError, EngineError, EngineJobLostError
from core.images import clean_engine_output
from core.ports import BlobStore, ImageEngine
from core.services import ledger
from core.services.image_store import delete_blobs, store_image
from core.text import plural
from db.tables import Generation, Image
from db.uow import Database

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=30)


class JobRunner:
    def __init__(
        self,
        db: Database,
        engine: ImageEngine,
        blobs: BlobStore,
        clock: Clock,
        *,
        timeout_seconds: int,
        credits_per_image: int,
        max_pixels: int,
    ) -> None:
        self.db, self.engine, self.blobs, self.clock = db, engine, blobs, clock
        self.timeout = timedelta(seconds=timeout_seconds)
        self.credits_per_image = credits_per_image
        self.max_pixels = max_pixels

    def reconcile(self, limit: int = 50) -> int:
        """Advance every job still in flight; returns how many were looked at."""
        with self.db.reader() as uow:
            ids = uow.generations.in_flight_ids(limit)
        for generation_id in ids:
            try:
                self.advance(generation_id)
            except Exception:  # one broken job must not stop the others
                log.exception("Could not advance generation %s", generation_id)
        return len(ids)

    def start(self, row: Generation) -> None:
        """Send a job its creator has just committed with a lease already taken."""
        self._with_lease(row, self._send)

    def advance(self, generation_id: str) -> None:
        row = self._claim(generation_id)
        if row is not None:
            self._with_lease(row, self._advance)

    def _with_lease(self, row: Generation, step: Callable[[Generation], None]) -> None:
        """Run one step. Every normal path frees the lease in the write it makes anyway;
        after an unexpected error it is freed here, so the loop can retry at once."""
        try:
            step(row)
        except BaseException:
            self._drop_lease(row.id)
            raise

    def _advance(self, row: Generation) -> None:
        if self.clock() - row.created_at > self.timeout:
            if row.provider_request_id:
                self.cancel_at_engine(row.provider_request_id)
            minutes = int(self.timeout.total_seconds() // 60)
            self.finish_without_images(
                row.id, JobStatus.FAILED, f"Timed out after {minutes} minutes; your credits were returned."
            )
            return
        if row.provider_request_id is None:
            self._send(row)
            return
        try:
            status = self.engine.status(row.provider_request_id)
        except EngineJobLostError as exc:
            self.finish_without_images(row.id, JobStatus.FAILED, f"{exc} Your credits were returned.")
            return
        except EngineError:
            log.warning("Engine status failed for %s; will retry", row.id)
            self._drop_lease(row.id)
            return
        if status.state != EngineState.COMPLETED:
            self._record_progress(row.id, status.state, status.queue_position, status.progress, status.message)
            return
        self._collect(row)

    def _send(self, row: Generation) -> None:
        try:
            request_id = self.engine.submit(self._request_for(row))
        except AtelierError as exc:
            self.finish_without_images(
                row.id, JobStatus.FAILED, f"The image engine could not take the job: {exc} Your credits were returned."
            )
            return
        with self.db.uow() as uow:
            current = uow.generations.get(row.id)
            if current is not None and JobStatus(current.status).in_flight:
                current.provider_request_id = request_id
                current.lease_until = None
                current.updated_at = self.clock()
                uow.commit()
                return
        self.cancel_at_engine(request_id)  # canceled while we were sending

    def _collect(self, row: Generation) -> None:
        assert row.provider_request_id is not None
        try:
            outputs = self.engine.result(row.provider_request_id)
        except EngineError as exc:
            self.finish_without_images(row.id, JobStatus.FAILED, f"{exc} Your credits were returned.")
            return
        stored: list[Image] = []
        for position, output in enumerate(outputs[: row.num_images]):
            try:
                clean = clean_engine_output(output.data, max_pixels=self.max_pixels)
            except EngineError:
                log.warning("Generation %s: output %d was not a valid image", row.id, position)
                continue
            stored.append(
                store_image(self.blobs, row.user_id, clean, source="generated", generation_id=row.id, position=position)
            )
        if not stored:
            self.finish_without_images(
                row.id, JobStatus.FAILED, "The image engine returned no usable image. Your credits were returned."
            )
            return
        self._finish_with_images(row, stored)

    def _finish_with_images(self, row: Generation, images: list[Image]) -> None:
        charged = len(images) * self.credits_per_image
        missing = row.num_images - len(images)
        message = (
            ""
            if missing == 0
            else f"The engine delivered {len(images)} of {row.num_images} images; you were charged only for those."
        )
        now = self.clock()
        with self.db.uow() as uow:
            values = {
                "status": JobStatus.SUCCEEDED.value,
                "charged": charged,
                "progress": 1.0,
                "queue_position": None,
                "status_message": message,
                "finished_at": now,
                "updated_at": now,
                "lease_until": None,
            }
            if not uow.generations.finish(row.id, values):
                delete_blobs(self.blobs, images)  # someone else settled it (a cancel, say)
                return
            for image in images:
                uow.images.add(image)
            reason = plural(missing, "undelivered image")
            ledger.settle(uow, row.user_id, row.id, row.cost, charged, f"Released for {reason}")
            uow.commit()

    def finish_without_images(self, generation_id: str, status: JobStatus, message: str) -> bool:
        """Fail or cancel a job and release its whole hold, in one transaction."""
        now = self.clock()
        with self.db.uow() as uow:
            row = uow.generations.get(generation_id)
            if row is None:
                return False
            values = {
                "status": status.value,
                "status_message": message,
                "finished_at": now,
                "updated_at": now,
                "queue_position": None,
                "lease_until": None,
            }
            if not uow.generations.finish(generation_id, values):
                return False
            why = "canceled" if status == JobStatus.CANCELED else "failed"
            ledger.settle(uow, row.user_id, generation_id, row.cost, 0, f"Released: generation {why}")
            uow.commit()
            return True

    def _record_progress(
        self, generation_id: str, state: EngineState, position: int | None, progress: float, message: str
    ) -> None:
        running = state == EngineState.RUNNING
        with self.db.uow() as uow:
            row = uow.generations.get(generation_id)
            if row is None or not JobStatus(row.status).in_flight:
                return
            row.status = (JobStatus.RUNNING if running else JobStatus.QUEUED).value
            row.queue_position = None if running else position
            row.progress = progress
            row.lease_until = None
            row.status_message = message or (
                "Running" if running else f"Waiting in the queue, position {position or 1}"
            )
            row.updated_at = self.clock()
            uow.commit()

    def _claim(self, generation_id: str) -> Generation | None:
        now = self.clock()
        with self.db.uow() as uow:
            if not uow.generations.claim(generation_id, now, now + LEASE):
                return None
            row = uow.generations.get(generation_id)
            uow.commit()
            return row

    def _drop_lease(self, generation_id: str) -> None:
        with self.db.uow() as uow:
            row = uow.generations.get(generation_id)
            if row is not None and row.lease_until is not None:
                row.lease_until = None
                uow.commit()

    def _request_for(self, row: Generation) -> EngineRequest:
        """Rebuild the engine request from the row alone, so the loop can (re)send after a crash."""
        source = None
        if row.kind == GenerationKind.EDIT.value:
            with self.db.reader() as uow:
                parent = uow.images.get_for_user(row.user_id, row.parent_image_id or 0)
            if parent is None:
                raise EngineError("The image to edit is no longer there.")
            source = self.blobs.get(parent.blob_key)
        return EngineRequest(
            kind=GenerationKind(row.kind),
            model=row.model,
            prompt=row.prompt,
            aspect_ratio=row.aspect_ratio,
            seed=row.seed,
            num_images=row.num_images,
            output_format=row.output_format,
            input_image=source,
        )

    def cancel_at_engine(self, request_id: str) -> None:
        try:
            self.engine.cancel(request_id)
        except AtelierError:
            log.warning("Engine cancel failed for request %s", request_id)
