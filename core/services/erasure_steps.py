"""The erasure handlers of the stores that need more than deleting the user's rows: each runs inside the
transaction the erasure gives it (core/personal_data.ErasureContext) and says how many rows or files it removed
or pseudonymised. Files and the engine's copies are deleted through the outbox, after the commit."""

from __future__ import annotations

from core.personal_data import ErasureContext
from core.services.deletion_outbox import DeletionKind, owe, owe_many
from db.repositories.audit_pseudonyms import AuditPseudonymRepository
from db.repositories.erasure_rows import ErasureRowRepository
from db.repositories.erasures import ErasureRepository

# The blob store's key prefix of a user's files (core/services/image_store.py writes "u<id>/<public id>...").
USER_BLOBS = "blobs:u{user}/"


def user_blob_prefix(user_id: int) -> str:
    return USER_BLOBS.removeprefix("blobs:").format(user=user_id)


def _rows(ctx: ErasureContext) -> ErasureRowRepository:
    return ctx.uow.of(ErasureRowRepository)


def set_apart_erasure(ctx: ErasureContext) -> int:
    """The erasure's own request stays in the log naming no one; earlier (canceled) erasures of the user go."""
    _rows(ctx).set_apart_request(ctx.reference, "in_progress")
    return ctx.uow.of(ErasureRepository).detach_others(ctx.user_id, ctx.reference)


def delete_collection_places(ctx: ErasureContext) -> int:
    return _rows(ctx).delete_collection_places(ctx.user_id)


def owe_image_files(ctx: ErasureContext) -> int:
    """Every file of the user's images, then a sweep of their whole prefix (a file no row names goes too)."""
    keys = _rows(ctx).image_keys(ctx.user_id)
    targets = [*keys, user_blob_prefix(ctx.user_id)]
    owe_many(ctx.uow, DeletionKind.BLOB, targets, ctx.now, ctx.reference)
    return len(keys)


def owe_engine_payloads(ctx: ErasureContext) -> int:
    """Ask the engine (fal.ai) to delete what it stored of each of the user's jobs."""
    request_ids = _rows(ctx).request_ids(ctx.user_id)
    owe_many(ctx.uow, DeletionKind.ENGINE, request_ids, ctx.now, ctx.reference)
    return len(request_ids)


def hide_from_search(ctx: ErasureContext) -> int:
    return _rows(ctx).hide_from_search(ctx.user_id)


def delete_job_inputs(ctx: ErasureContext) -> int:
    return _rows(ctx).delete_job_inputs(ctx.user_id)


def move_ledger(ctx: ErasureContext) -> int:
    return _rows(ctx).move_ledger(ctx.user_id, ctx.pseudonym_id)


def empty_payment_events(ctx: ErasureContext) -> int:
    return _rows(ctx).empty_payment_events(ctx.user_id)


def move_orders(ctx: ErasureContext) -> int:
    return _rows(ctx).move_orders(ctx.user_id, ctx.pseudonym_id)


def move_plans(ctx: ErasureContext) -> int:
    """Plans move to the tombstone and end; a plan still running is canceled at its provider, through the outbox
    (no network call inside the transaction), so nobody is charged for an account that is gone."""
    moved, running = _rows(ctx).move_plans(ctx.user_id, ctx.pseudonym_id)
    for provider, subscription in running:
        owe(ctx.uow, DeletionKind.SUBSCRIPTION, f"{provider}:{subscription}", ctx.now, ctx.reference)
    return moved


def pseudonymise_audit(ctx: ErasureContext) -> int:
    return ctx.uow.of(AuditPseudonymRepository).pseudonymise(ctx.user_id)


def delete_user(ctx: ErasureContext) -> int:
    return _rows(ctx).delete_user(ctx.user_id)
