"""ErasureService: the erasure of an account, self-service. Scheduling it takes the account's email address
typed to confirm and starts a grace period (ERASURE_GRACE_DAYS) during which the user can cancel; then the
worker runs every handler of the personal-data map in erasure order, each in its own transaction that
also records it as done, so a crash halfway resumes where it stopped with the same receipt. Files and the
engine's copies go through the deletion outbox. The receipt names no one and stays under its random reference."""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from core.clock import Clock
from core.domain import Role, UserView
from core.domain.email import MessageKind
from core.errors import NotFoundError, ValidationError
from core.personal_data import ErasureContext, OnErasure, PersonalData
from core.services import privacy_requests
from core.services.deletion_runner import DeletionRunner
from core.services.email_messages import day_text
from core.services.email_outbox import enqueue, enqueue_to
from core.services.erasure_views import ErasureReceipt, KeptData, ScheduledErasure, receipt_lines
from core.services.privacy_requests import RequestKind, RequestStatus
from db.compaction import scrub_free_space
from db.repositories.erasure_rows import ErasureRowRepository
from db.repositories.erasures import (
    CANCELED,
    FINISHED,
    INACTIVE,
    REQUESTED,
    RUNNING,
    SCHEDULED,
    STAFF,
    ErasureRepository,
)
from db.repositories.retention import InactiveAccountRepository
from db.tables import Erasure
from db.uow import Database, UnitOfWork

log = logging.getLogger(__name__)
USERS_STORE = "table:users"  # the last step: the account's own row, deleted as the erasure finishes
DUE_BATCH = 10

REFERENCE_BYTES = 8
REFERENCE = re.compile(rf"[0-9A-F]{{{REFERENCE_BYTES * 2}}}")  # an erasure's reference: 16 hex digits


class ErasureService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        runner: DeletionRunner,
        entries: Callable[[], list[PersonalData]],
        *,
        grace_days: int,
    ) -> None:
        self.db, self.clock, self.runner, self.entries = db, clock, runner, entries
        self.grace = timedelta(days=grace_days)

    # -- the user's side ---------------------------------------------------------------------------------------
    @property
    def grace_days(self) -> int:
        return self.grace.days

    def kept(self) -> list[KeptData]:
        """What an erasure keeps, pseudonymised, and why: said before the user confirms."""
        return [KeptData(e.holds, e.reason) for e in self.entries() if e.on_erasure is OnErasure.PSEUDONYMISE]

    def scheduled(self, actor: UserView) -> ScheduledErasure | None:
        with self.db.reader() as uow:
            found = uow.of(ErasureRepository).open_for_user(actor.id)
        return _scheduled(found) if found else None

    def schedule(self, actor: UserView, typed_email: str) -> ScheduledErasure:
        """Schedule the account's erasure after the grace period; asking twice keeps the first date."""
        if typed_email.strip().casefold() != actor.email.casefold() or not actor.email:
            raise ValidationError(f"Type your account's email address, {actor.email}, to confirm.")
        now = self.clock()
        with self.db.uow() as uow:
            found, made = self._schedule(uow, actor.id, now, REQUESTED)
            if made:
                privacy_requests.record(
                    uow, actor.id, RequestKind.ERASURE, now, status=RequestStatus.IN_PROGRESS,
                    artifact=found.reference, due=found.erase_after,
                )  # fmt: skip
                uow.commit()
        return _scheduled(found)

    def schedule_for(self, uow: UnitOfWork, user_id: int) -> ScheduledErasure:
        """Schedule a user's erasure as staff, in the caller's transaction (the caller checked the admin's role
        and records the request it answers): the same grace period, no typed confirmation; asking twice keeps the
        first date."""
        found, _ = self._schedule(uow, user_id, self.clock(), STAFF)
        return _scheduled(found)

    def _schedule(self, uow: UnitOfWork, user_id: int, now: datetime, cause: str) -> tuple[Erasure, bool]:
        """The account's open erasure, or a new one after the grace period with its email (a legal message)."""
        erasures = uow.of(ErasureRepository)
        found = erasures.open_for_user(user_id)
        if found is not None:
            return found, False
        reference = secrets.token_hex(REFERENCE_BYTES).upper()
        row = erasures.add(
            Erasure(
                reference=reference,
                user_id=user_id,
                status=SCHEDULED,
                cause=cause,
                requested_at=now,
                erase_after=now + self.grace,
            )
        )
        facts = {"reference": reference, "erase_after": day_text(row.erase_after)}
        enqueue(uow, user_id, MessageKind.ERASURE_SCHEDULED, now, facts, key=f"erasure_scheduled:{reference}")
        return row, True

    def cancel(self, actor: UserView) -> bool:
        """Keep the account: the scheduled erasure is canceled (and recorded so); False if none was scheduled."""
        now = self.clock()
        with self.db.uow() as uow:
            found = uow.of(ErasureRepository).open_for_user(actor.id)
            if found is None or found.status != SCHEDULED:
                return False
            found.status, found.finished_at = CANCELED, now
            uow.of(ErasureRowRepository).request_status(found.reference, RequestStatus.CANCELED.value, now)
            uow.commit()
        return True

    # -- the retention sweep: an inactive account ------------------------------------------------------------
    def schedule_inactive(self, user_id: int, now: datetime, *, inactive: timedelta, warning: timedelta) -> bool:
        """Warn an account unused for `inactive - warning` and schedule its erasure for the day `inactive` is up
        (never sooner than `warning` from now: nobody is erased without the whole warning). False if a sign-in
        came first, an erasure is already ahead, or the account is the last admin's."""
        with self.db.uow() as uow:
            user = uow.of(InactiveAccountRepository).lock_if_inactive(user_id, now - (inactive - warning))
            if user is None or uow.of(ErasureRepository).open_for_user(user_id) is not None:
                return False
            if Role(user.role) == Role.ADMIN and not uow.of(InactiveAccountRepository).other_admins_staying(user_id):
                return False  # the house keeps at least one admin (as AdminService.set_role does)
            last_seen = user.last_sign_in_at or user.created_at
            erase_after = max(last_seen + inactive, now + warning)
            uow.of(ErasureRepository).add(
                Erasure(
                    reference=secrets.token_hex(REFERENCE_BYTES).upper(),
                    user_id=user_id,
                    status=SCHEDULED,
                    cause=INACTIVE,
                    requested_at=now,
                    erase_after=erase_after,
                )
            )
            facts = {
                "erase_after": day_text(erase_after),
                "last_sign_in": day_text(last_seen),
                "inactive_days": str(inactive.days),
            }
            key = f"retention_warning:{user_id}:{last_seen:%Y-%m-%d}"
            enqueue(uow, user_id, MessageKind.RETENTION_WARNING, now, facts, key=key)
            uow.commit()
        return True

    def receipt(self, reference: str) -> ErasureReceipt:
        """The receipt of an erasure, for whoever quotes its reference: counts only, no personal data."""
        quoted = reference.strip().upper()
        if not REFERENCE.fullmatch(quoted):  # what a quoted reference can be; anything else names no receipt
            raise NotFoundError("No account erasure has that reference.")
        with self.db.reader() as uow:
            found = uow.of(ErasureRepository).by_reference(quoted)
            if found is None or found.status == CANCELED:
                raise NotFoundError("No account erasure has that reference.")
            owed = uow.of(ErasureRepository).owed(found.reference)
        return ErasureReceipt(
            reference=found.reference,
            status=found.status,
            requested_at=found.requested_at,
            finished_at=found.finished_at,
            lines=receipt_lines(self.entries(), dict(found.counts)),
            still_owed=owed,
        )

    # -- the worker -------------------------------------------------------------------------------------
    def run_due(self) -> int:
        """Run every erasure past its grace period (and finish any a crash left halfway); how many finished."""
        with self.db.reader() as uow:
            due = uow.of(ErasureRepository).due_references(self.clock(), DUE_BATCH)
        finished = 0
        for reference in due:
            try:
                finished += self.run_one(reference)
            except Exception as exc:  # noqa: BLE001 - one erasure's failure must not stop the others
                log.warning("Erasure %s stopped at a failed step (%s); it runs again", reference, type(exc).__name__)
                with self.db.uow() as uow:
                    uow.of(ErasureRepository).restart_sweep(reference)
                    uow.commit()
        if finished:
            scrub_free_space(self.db)
        self.runner.run()
        return finished

    def run_one(self, reference: str, *, steps: int | None = None) -> bool:
        """Run the erasure's remaining steps (at most `steps` of them); True once it has finished."""
        if not self._start(reference):
            return False
        ran = 0
        for entry in self.entries():
            if steps is not None and ran >= steps:
                return False
            ran += self._step(reference, entry)
        if steps is not None:
            return self._finished(reference)
        self._step(reference, None)
        return True

    def _start(self, reference: str) -> bool:
        with self.db.uow() as uow:
            found = uow.of(ErasureRepository).by_reference(reference, lock=True)
            if found is None or found.status not in (SCHEDULED, RUNNING) or found.user_id is None:
                return False
            if found.status == SCHEDULED:
                found.status, found.started_at = RUNNING, self.clock()
                uow.users.raise_session_version(found.user_id)  # every sign-in of the account ends now
                uow.of(ErasureRowRepository).tombstone(reference)
                uow.commit()
        return True

    def _step(self, reference: str, entry: PersonalData | None) -> int:
        """One handler in its own transaction, recorded as done in it; None finishes an erasure with no users
        step in its map. 1 if it ran, 0 if it was done already."""
        now = self.clock()
        with self.db.uow() as uow:
            erasures = uow.of(ErasureRepository)
            found = erasures.by_reference(reference, lock=True)
            if found is None or found.status != RUNNING or found.user_id is None:
                return 0
            if entry is not None and entry.store in found.done:
                return 0
            user_id, rows = found.user_id, uow.of(ErasureRowRepository)
            ctx = ErasureContext(uow, user_id, reference, now, rows.tombstone(reference))
            last = entry is None or entry.store == USERS_STORE
            if last:
                _queue_done_message(uow, user_id, reference, now)
                rows.set_apart_request(reference, RequestStatus.COMPLETED.value)
                rows.request_status(reference, RequestStatus.COMPLETED.value, now)
                erasures.finish(found, now)
            if entry is not None:
                count = entry.erase(ctx)
                erasures.record_step(reference, entry.store, count)
            uow.commit()
        if last:
            log.info("Erasure %s finished", reference)
        return 1

    def _finished(self, reference: str) -> bool:
        with self.db.reader() as uow:
            found = uow.of(ErasureRepository).by_reference(reference)
        return found is not None and found.status == FINISHED


def _queue_done_message(uow: UnitOfWork, user_id: int, reference: str, now: datetime) -> None:
    """The last message, to the address read in the step that deletes the account: queued with no user (the
    sender blanks its address once it is sent), in the same transaction, so it exists exactly when the erasure
    is done. Legal: sent whatever the account's choices were."""
    user = uow.users.get(user_id)
    if user is not None and user.email:
        facts = {"reference": reference}
        enqueue_to(uow, user.email, MessageKind.ERASURE_DONE, now, facts, key=f"erasure_done:{reference}")


def _scheduled(row: Erasure) -> ScheduledErasure:
    return ScheduledErasure(row.reference, row.requested_at, row.erase_after, running=row.status == RUNNING)
