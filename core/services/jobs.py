"""JobRunner: moves generation jobs through their state machine with the engine and settles their credit holds.

Only the worker (core/worker/) works on jobs: it claims them in batches under leases, which a heartbeat renews
while a slow submit or download is under way, so any number of workers share the queue and a job is never sent
twice. Pages and routes only read, cancel (a database write; the engine is told later, through the deletion
outbox) and wake a job. Every write is a conditional transition from core/job_states.py, so a write that loses a
race changes nothing. No transaction stays open while the engine is called.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta

from core.clock import Clock
from core.domain import EngineState, EngineStatus, JobStatus
from core.errors import AtelierError, EngineInputError, EngineJobLostError, EngineRetryableError
from core.job_states import CANCEL, FAIL, NOTE, RETRY, RUN, SEND, SENT, SUCCEED, WAIT, Transition
from core.logs import log_crash
from core.ports import BlobStore, Doorbell, ImageEngine
from core.pricing import capture
from core.services import ledger
from core.services.deletion_outbox import DeletionKind, owe
from core.services.image_store import derive_all, forget_blobs
from core.services.job_io import Delivery, record_withheld, request_for, store_outputs
from core.services.leases import Lease, LeaseKeeper
from core.stored_text import scrub
from core.text import plural
from db.tables import Generation
from db.uow import Database

log = logging.getLogger(__name__)
STATUS_CHARS = 500  # the column: what an engine says (model log lines, errors) is its text, not the user's
RETURNED = "Your credits were returned."


class JobRunner:
    def __init__(
        self,
        db: Database,
        engine: ImageEngine,
        blobs: BlobStore,
        clock: Clock,
        *,
        timeout_seconds: int,
        max_pixels: int,
        lease_seconds: float = 30.0,
        max_send_attempts: int = 3,
        max_engine_errors: int = 10,
        withheld: BlobStore | None = None,
        doorbell: Doorbell | None = None,
        check_seconds: float = 1.0,
    ) -> None:
        self.db, self.engine, self.blobs, self.clock = db, engine, blobs, clock
        self.doorbell = doorbell
        # A job the engine is working on is asked about at most once per this many seconds (its webhook wakes it).
        self.check_every = timedelta(seconds=check_seconds)
        self.withheld = withheld  # where images the safety check withheld wait for a person's review
        self.timeout = timedelta(seconds=timeout_seconds)
        self.max_pixels = max_pixels
        self.max_send_attempts = max_send_attempts
        self.max_engine_errors = max_engine_errors
        self.leases = LeaseKeeper(db, clock, lease_seconds)

    def reconcile(self, limit: int = 50) -> int:
        """A sweep: claim up to `limit` jobs nobody is working on, even those pausing between two looks, and work
        each in turn, in this thread; how many were claimed. (The worker claims only the jobs that are due, and
        works them in parallel.)"""
        leases = self.leases.claim_batch(limit, due_only=False)
        for lease in leases:
            self.work(lease)
        return len(leases)

    def claim(self, limit: int) -> list[Lease]:
        return self.leases.claim_batch(limit)

    def work(self, lease: Lease) -> None:
        """One step of a claimed job; one broken job never stops the others."""
        try:
            self._step(lease)
        except Exception as exc:
            log_crash(log, "Could not advance generation", lease.generation_id, exc)

    def advance(self, generation_id: str) -> None:
        lease = self.leases.claim(generation_id)
        if lease is not None:
            self._step(lease)

    def wake(self, generation_id: str) -> None:
        """Something says the job moved (fal's webhook): let a worker look at it now rather than at its next
        check. A database write and a ring, nothing more: the caller never waits on the engine."""
        with self.db.uow() as uow:
            woken = uow.generations.wake(generation_id)
            uow.commit()
        if woken and self.doorbell is not None:
            self.doorbell.ring()

    def cancel(self, generation_id: str) -> bool:
        """The owner stops the job: a full release now; the engine is told to drop it by the deletion outbox."""
        return self._end(generation_id, CANCEL, RETURNED, engine_later=True)

    def _step(self, lease: Lease) -> None:
        not_before = None
        try:
            row = self._read(lease.generation_id)
            if row is not None and JobStatus(row.status).in_flight:
                sent = self._advance(row, lease)
                if sent is not None:  # just handed over: look once at once (a fast engine is done already)
                    row.provider_request_id = sent  # what the SENT transition wrote, without reading it back
                    self._advance(row, lease)
                # Still in flight: looked at again after a while (a webhook wakes it sooner), never in a busy loop.
                # A job the step ended has no lease left to release, so this changes nothing then.
                not_before = self.clock() + self.check_every
        finally:
            self.leases.release(lease, not_before)

    def _read(self, generation_id: str) -> Generation | None:
        with self.db.reader() as uow:
            return uow.generations.get(generation_id)

    def _advance(self, row: Generation, lease: Lease) -> str | None:
        """One step of the job; the engine's request id when this step handed the job over."""
        if self.clock() - row.created_at > self.timeout:
            minutes = int(self.timeout.total_seconds() // 60)
            self._end(row.id, FAIL, f"Timed out after {minutes} minutes; your credits were returned.", tell_engine=True)
        elif row.provider_request_id is None and row.send_attempts > row.send_failures:
            return self._recover(row, lease)
        elif row.provider_request_id is None:
            if self._retry_is_due(row):
                return self._send(row, lease)
        else:
            status = self._engine_status(row.id, row.provider_request_id)
            if status is not None and status.state == EngineState.COMPLETED:
                self._collect(row, lease, row.provider_request_id)
            elif status is not None:
                self._progress(row.id, status)
        return None

    def _send(self, row: Generation, lease: Lease) -> str | None:
        # The intent is recorded first: if this process dies inside submit(), whoever picks
        # the job up next looks it up at the engine instead of sending it a second time.
        values = {"send_attempts": row.send_attempts + 1, "updated_at": self.clock()}
        if not self._apply(row.id, SEND, values, send_attempts=row.send_attempts):
            return None
        try:
            request = request_for(self.db, self.blobs, row)
        except AtelierError as exc:
            self._end(row.id, FAIL, f"{exc} {RETURNED}")
            return None
        try:
            with self.leases.heartbeat(lease):
                request_id = self.engine.submit(request, row.id)
        except EngineRetryableError as exc:
            if exc.taken:  # it may have the job: recovery looks it up rather than sending it again
                log.warning("Generation %s: the engine may have taken the job; will look it up", row.id)
            else:
                self._send_failed(row, row.send_attempts + 1, exc)
        except EngineInputError as exc:
            self._end(row.id, FAIL, f"{exc} {RETURNED}")
        except AtelierError as exc:
            self._end(row.id, FAIL, f"The image engine could not take the job: {exc} {RETURNED}")
        except Exception as exc:
            log_crash(log, "The engine crashed while taking generation", row.id, exc)
            self._end(row.id, FAIL, f"The image engine failed while taking the job. {RETURNED}", tell_engine=True)
        else:
            return request_id if self._record_sent(row.id, request_id) else None
        return None

    def _send_failed(self, row: Generation, attempts: int, exc: EngineRetryableError) -> None:
        """The engine surely did not take the job: try again later, or give up once the budget is spent."""
        failures = row.send_failures + 1
        if failures >= self.max_send_attempts:
            self._end(row.id, FAIL, f"{exc} We tried {failures} times. {RETURNED}")
            return
        message = f"The image engine is busy; trying again (attempt {failures + 1} of {self.max_send_attempts})"
        values = {"send_failures": failures, "status_message": message, "updated_at": self.clock()}
        self._apply(row.id, RETRY, values, send_attempts=attempts)

    def _retry_is_due(self, row: Generation) -> bool:
        """After a failed send, wait 1 s, then 2 s, then 4 s ... (at most 30 s) before the next."""
        if not row.send_failures:
            return True
        wait = timedelta(seconds=min(2 ** (row.send_failures - 1), 30))
        return self.clock() - row.updated_at >= wait

    def _recover(self, row: Generation, lease: Lease) -> str | None:
        """A send was started but never recorded (its sender died): find the job, or send it once more."""
        try:
            request_id = self.engine.find(row.id)
        except Exception as exc:  # the engine cannot tell: stopping is safe, sending again is not
            if not isinstance(exc, AtelierError):
                log_crash(log, "The engine crashed looking up generation", row.id, exc)
            message = f"We could not confirm that the image engine received this job, so it was stopped. {RETURNED}"
            self._end(row.id, FAIL, message)
            return None
        if request_id is not None:
            return request_id if self._record_sent(row.id, request_id) else None
        if row.send_attempts >= self.max_send_attempts:
            self._end(row.id, FAIL, f"The job could not be handed to the image engine. {RETURNED}")
            return None
        return self._send(row, lease)  # the engine never got it, so this is still the first delivery

    def _record_sent(self, generation_id: str, request_id: str) -> bool:
        if not self._apply(generation_id, SENT, {"provider_request_id": request_id, "updated_at": self.clock()}):
            self._drop_at_engine(generation_id, request_id, 1, cancel=True)  # it ended while we were sending
            return False
        return True

    def _engine_status(self, generation_id: str, request_id: str) -> EngineStatus | None:
        try:
            return self.engine.status(request_id)
        except EngineJobLostError as exc:
            self._end(generation_id, FAIL, f"{exc} {RETURNED}")
        except AtelierError as exc:
            self._engine_failed(generation_id, exc)
        except Exception as exc:
            log_crash(log, "The engine crashed reporting on generation", generation_id, exc)
            self._end(generation_id, FAIL, f"The image engine failed. {RETURNED}", tell_engine=True)
        return None

    def _engine_failed(self, generation_id: str, exc: AtelierError) -> None:
        """A passing failure asking about the job: try again next time, until too many come in a row."""
        with self.db.uow() as uow:
            row = uow.generations.get(generation_id)
            errors = (row.engine_errors if row else 0) + 1
            uow.generations.apply(generation_id, NOTE, {"engine_errors": errors})
            uow.commit()
        if errors >= self.max_engine_errors:
            message = f"The image engine stopped answering about this job ({exc}). {RETURNED}"
            self._end(generation_id, FAIL, message, tell_engine=True)
        else:
            log.warning("Generation %s: the engine did not answer (%d in a row); will retry", generation_id, errors)

    def _progress(self, generation_id: str, status: EngineStatus) -> None:
        running = status.state == EngineState.RUNNING
        position = None if running else status.queue_position
        message = status.message or ("Running" if running else f"Waiting in the queue, position {position or 1}")
        values = {
            "queue_position": position,
            "progress": min(max(status.progress, 0.0), 1.0),
            "status_message": scrub(message, STATUS_CHARS),
            "engine_errors": 0,
            "updated_at": self.clock(),
        }
        self._apply(generation_id, RUN if running else WAIT, values)

    def _collect(self, row: Generation, lease: Lease, request_id: str) -> None:
        try:
            with self.leases.heartbeat(lease):
                outputs = self.engine.result(request_id)
        except EngineRetryableError as exc:
            self._engine_failed(row.id, exc)
            return
        except AtelierError as exc:  # a refusal (a 422 in plain words) or a failed job: a full release
            self._end(row.id, FAIL, f"{exc} {RETURNED}")
            return
        except Exception as exc:  # e.g. MemoryError: fail once, never retry it in a loop
            log_crash(log, "The engine crashed making generation", row.id, exc)
            self._end(row.id, FAIL, f"The image engine failed while making your images. {RETURNED}", tell_engine=True)
            return
        with self.leases.heartbeat(lease):
            delivery = store_outputs(self.blobs, row, outputs, self.max_pixels, self.withheld)
        extra = {"blocked": delivery.blocked, "timings": delivery.timings}
        if delivery.images:
            self._finish_with_images(row, delivery, request_id)
        else:
            message = delivery.notice(row.num_images) or f"The image engine returned no usable image. {RETURNED}"
            if not self._end(row.id, FAIL, message, extra=extra, delivery=delivery):
                forget_blobs(self.db, self.clock, [], [item.key for item in delivery.withheld])

    def _finish_with_images(self, row: Generation, delivery: Delivery, request_id: str) -> None:
        # The price was fixed when the credits were held: today's price never applies.
        images = delivery.images
        charged = capture(row.cost, len(images), row.num_images)
        values = {
            **self._ended(delivery.notice(row.num_images)),
            "charged": charged,
            "progress": 1.0,
            "blocked": delivery.blocked,
            "timings": delivery.timings,
        }
        with self.db.uow() as uow:
            won = uow.generations.apply(row.id, SUCCEED, values)
            if won:
                for image in images:
                    uow.images.add(image)
                reason = plural(row.num_images - len(images), "undelivered image")
                ledger.settle(uow, row.user_id, row.id, row.cost, charged, f"Released for {reason}")
                record_withheld(uow, row, delivery, self.clock())
                uow.commit()
        if not won:
            log.info("Generation %s: %s did not apply (the job had already ended)", row.id, SUCCEED.name)
            forget_blobs(self.db, self.clock, images, [item.key for item in delivery.withheld])  # a cancel won
            return
        # The images are in the gallery now, shown from their originals; their previews are made after (the job has
        # ended, so no lease is needed: a second maker would only write the same files).
        derive_all(self.db, self.blobs, images, self.max_pixels)
        self._drop_at_engine(row.id, request_id, row.send_attempts, cancel=False)

    def _end(
        self,
        generation_id: str,
        transition: Transition,
        message: str,
        *,
        tell_engine: bool = False,
        engine_later: bool = False,
        extra: Mapping[str, object] | None = None,
        delivery: Delivery | None = None,
    ) -> bool:
        """Fail or cancel a job and release its whole hold, in one transaction; False if it had already ended."""
        with self.db.uow() as uow:
            if not uow.generations.apply(generation_id, transition, {**self._ended(message), **(extra or {})}):
                log.info("Generation %s: %s did not apply (the job had already ended)", generation_id, transition.name)
                return False
            row = uow.generations.get(generation_id)  # read after the write: the latest request id
            assert row is not None
            why = "canceled" if transition is CANCEL else "failed"
            ledger.settle(uow, row.user_id, generation_id, row.cost, 0, f"Released: generation {why}")
            if delivery is not None:  # every image withheld: each waits for a review, charged nothing
                record_withheld(uow, row, delivery, self.clock())
            if engine_later and row.provider_request_id is not None:
                # A page canceled it: the worker tells the engine (a sender still at work drops it on its own).
                owe(uow, DeletionKind.ENGINE_CANCEL, row.provider_request_id, self.clock())
            uow.commit()
        if not engine_later:
            self._drop_at_engine(generation_id, row.provider_request_id, row.send_attempts, cancel=tell_engine)
        return True

    def _ended(self, message: str) -> dict[str, object]:
        now = self.clock()
        return {
            "status_message": scrub(message, STATUS_CHARS),
            "finished_at": now,
            "updated_at": now,
            "queue_position": None,
            "lease_owner": None,
            "lease_until": None,
        }

    def _drop_at_engine(self, generation_id: str, request_id: str | None, attempts: int, *, cancel: bool) -> None:
        """Tell the engine an ended job is over: cancel it if asked, then make it forget the prompt and images."""
        try:
            if request_id is None and attempts and cancel:
                request_id = self.engine.find(generation_id)  # it may have got the job from a sender that died
            if request_id is None:
                return
            if cancel:
                self.engine.cancel(request_id)
            self.engine.forget(request_id)
        except Exception as exc:  # the job has ended either way; the engine's own expiry is the backstop
            log.warning("Generation %s: could not clean up at the engine (%s)", generation_id, type(exc).__name__)

    def _apply(self, generation_id: str, transition: Transition, values: Mapping[str, object], **guards: int) -> bool:
        with self.db.uow() as uow:
            applied = uow.generations.apply(generation_id, transition, values, **guards)
            uow.commit()
        if not applied:
            log.info("Generation %s: %s did not apply (the job moved on)", generation_id, transition.name)
        return applied
