"""Retention: the sweep that deletes what is kept only for a while, every capability's rules in one recorded
run (hourly, or at once from Admin → Retention); and its own rules: inactive accounts, warned then erased, and
files no row names."""

from datetime import datetime

from core.container import Container
from core.personal_data import Category, ErasureContext, OnErasure, PersonalData, count_rows
from core.registry import Capability, PeriodicTask, RetentionRule, hourly, retention_rules
from core.services import erasure_steps
from core.services.erasure import ErasureService
from core.services.inactive_accounts import InactiveAccountService
from core.services.orphan_blobs import (
    ORPHAN_GRACE,
    OrphanBlobService,
    exports_source,
    media_source,
    withheld_source,
)
from core.services.retention import RetentionService
from core.settings import Settings
from db.repositories.orphan_blobs import OrphanBlobRepository
from db.repositories.retention import RetentionRunRepository


def retention(c: Container) -> RetentionService:
    return RetentionService(c.db, c.clock, c, retention_rules)


def inactive_accounts(c: Container) -> InactiveAccountService:
    s = c.settings
    return InactiveAccountService(
        c.db, c.of(ErasureService), inactive_days=s.inactive_account_days, warning_days=s.inactive_warning_days
    )


def orphan_blobs(c: Container) -> OrphanBlobService:
    return OrphanBlobService(c.db, (media_source(c.blobs), withheld_source(c.withheld), exports_source(c.blobs)))


def _describe_inactive(s: Settings) -> str:
    return (
        f"Accounts nobody signed in to for {s.inactive_account_days} days are erased, as a user's own erasure is. "
        f"{s.inactive_warning_days} days before, the account's address gets a warning email (always sent: the "
        "law requires it); signing in before the day cancels the erasure. The last admin is never erased."
    )


def _describe_orphans(_s: Settings) -> str:
    minutes = int(ORPHAN_GRACE.total_seconds() // 60)
    return (
        "Image files (originals, thumbnails, previews) and withheld images that no row names, found by listing "
        f"the stores. One is deleted only if it is still orphaned at a sweep at least {minutes} minutes after the "
        "sweep that first saw it, as a file is written just before its row."
    )


def _sweep(c: Container) -> int:
    return c.of(RetentionService).sweep().total


def _forget_actor(ctx: ErasureContext) -> int:
    return ctx.uow.of(RetentionRunRepository).forget_actor(ctx.user_id)


def _forget_orphans(ctx: ErasureContext) -> int:
    """The names of the user's files a sweep noted as orphaned: the files themselves go with the user's prefix."""
    return ctx.uow.of(OrphanBlobRepository).forget_prefix(erasure_steps.user_blob_prefix(ctx.user_id))


def _run_inactive(c: Container, now: datetime) -> int:
    return c.of(InactiveAccountService).warn_due(now)


def _run_orphans(c: Container, now: datetime) -> int:
    return c.of(OrphanBlobService).sweep(now)


CAPABILITY = Capability(
    name="retention",
    services={RetentionService: retention, InactiveAccountService: inactive_accounts, OrphanBlobService: orphan_blobs},
    tasks=(PeriodicTask("retention sweep", hourly, _sweep, "The retention sweep deleted or warned %d things"),),
    personal_data=(
        PersonalData(
            "table:retention_runs",
            Category.ACCOUNT,
            "Which retention sweeps you ran by hand, if you are staff",
            "",
            OnErasure.PSEUDONYMISE,
            80,
            _forget_actor,
            count_rows("retention_runs", ("actor_id",)),
            reason="staff's record of the sweeps they ran, with counts only; on erasure your id in it is cleared",
            owner_columns=("actor_id",),
        ),
        PersonalData(
            "table:retention_orphans",
            Category.CREATIONS,
            "The names of your image files a sweep found with no row naming them, noted until they are deleted",
            "",
            OnErasure.DELETE,
            31,
            _forget_orphans,
            reason="file names only, noted for an hour or two; the files are deleted, not delivered",
            owner_columns=(),  # the user's id is in the key ("u<id>/...")
        ),
    ),
    retention=(
        RetentionRule("inactive_accounts", _describe_inactive, _run_inactive),
        RetentionRule("orphan_blobs", _describe_orphans, _run_orphans),
    ),
)
