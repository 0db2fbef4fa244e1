"""Erasure tests' helpers: a rich user to erase, and the map entries other parts of issue 19 declare (consents,
privacy requests, safety reviews and the withheld store), stood in for here only while their capability is not
on this branch: once it is, its own entry is used and the stand-in is left out."""

from __future__ import annotations

from sqlmodel import select

from core.bootstrap import Container
from core.personal_data import Category, ErasureContext, OnErasure, PersonalData, delete_rows
from core.registry import personal_data_map
from core.services.deletion_outbox import DeletionKind, owe
from core.services.erasure import ErasureService
from db.tables import SafetyReview


def _erase_reviews(ctx: ErasureContext) -> int:
    rows = ctx.uow.session.exec(select(SafetyReview).where(SafetyReview.user_id == ctx.user_id)).all()
    for row in rows:
        if row.blob_key:
            owe(ctx.uow, DeletionKind.WITHHELD, row.blob_key, ctx.now, erasure=ctx.reference)
        ctx.uow.session.delete(row)
    return len(rows)


def _owe_withheld(ctx: ErasureContext) -> int:
    owe(ctx.uow, DeletionKind.WITHHELD, f"u{ctx.user_id}/", ctx.now, erasure=ctx.reference)
    return 0  # a sweep of the prefix: its files are counted by the rows that named them


STAND_INS = (
    PersonalData("table:safety_reviews", Category.CREATIONS, "reviews", "", OnErasure.DELETE, 20, _erase_reviews),
    PersonalData("withheld:u{user}/", Category.CREATIONS, "withheld", "", OnErasure.DELETE, 21, _owe_withheld),
    PersonalData("table:consents", Category.CONSENTS, "consents", "", OnErasure.DELETE, 85, delete_rows("consents")),
    PersonalData(
        "table:privacy_requests",
        Category.REQUESTS,
        "requests",
        "",
        OnErasure.DELETE,
        86,
        delete_rows("privacy_requests"),
    ),
)


def full_map() -> list[PersonalData]:
    entries = personal_data_map()
    stores = {entry.store for entry in entries}
    has_withheld = any("withheld" in store for store in stores)
    extra = [
        entry for entry in STAND_INS if entry.store not in stores and not ("withheld" in entry.store and has_withheld)
    ]
    return sorted([*entries, *extra], key=lambda entry: (entry.step, entry.store))


def erasure_service(c: Container) -> ErasureService:
    """The container's erasure service, over the whole map of issue 19 (stand-ins included where needed)."""
    service = c.of(ErasureService)
    service.entries = full_map
    return service
