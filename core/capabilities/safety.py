"""Automated decisions: the safety check's withheld images, a person's review of them on request (or always, for
a user who opted out of automated decisions), and the deletion of withheld images nobody asked about."""

from core.container import Container
from core.personal_data import Category, ErasureContext, OnErasure, PersonalData, count_rows, delete_rows
from core.registry import Capability, RetentionRule
from core.services.deletion_outbox import DeletionKind, owe_many
from core.services.policies import PolicyService
from core.services.safety_reviews import SafetyReviewService
from core.settings import Settings
from db.repositories.safety_reviews import SafetyReviewRepository
from db.uow import UnitOfWork

NOT_EXPORTED = "withheld by the automated safety check; not delivered unless a person releases it"


def safety_reviews(c: Container) -> SafetyReviewService:
    s = c.settings
    return SafetyReviewService(
        c.db,
        c.blobs,
        c.withheld,
        c.clock,
        policy_version=c.of(PolicyService).current_version,
        retention_days=s.withheld_retention_days,
        max_pixels=s.max_image_pixels,
        check_note=str(getattr(c.engine, "safety_note", "")),
    )


def _erase_withheld(ctx: ErasureContext) -> int:
    """Each withheld image still kept is owed to the outbox; it runs before the review rows naming them go."""
    keys = ctx.uow.of(SafetyReviewRepository).kept_keys(ctx.user_id)
    owe_many(ctx.uow, DeletionKind.WITHHELD, keys, ctx.now, ctx.reference)
    return len(keys)


def _erase_reviews(ctx: ErasureContext) -> int:
    """The user's reviews go; where the user was the staff member who decided others', their id is cleared."""
    ctx.uow.of(SafetyReviewRepository).forget_reviewer(ctx.user_id)
    return delete_rows("safety_reviews")(ctx)


def _count_withheld(uow: UnitOfWork, user_id: int) -> int:
    return len(uow.of(SafetyReviewRepository).kept_keys(user_id))


def _describe_withheld(s: Settings) -> str:
    return (
        f"Images the automated safety check withheld are deleted after {s.withheld_retention_days} days unless "
        "their owner asked for a person's review."
    )


CAPABILITY = Capability(
    name="safety",
    services={SafetyReviewService: safety_reviews},
    retention=(
        RetentionRule("withheld", _describe_withheld, lambda c, now: c.of(SafetyReviewService).expire_withheld(now)),
    ),
    personal_data=(
        PersonalData(
            store="withheld:u{user}/",
            category=Category.CREATIONS,
            holds="Images the automated safety check withheld, kept until a person reviews them",
            export="",
            on_erasure=OnErasure.DELETE,
            step=10,
            erase=_erase_withheld,
            count=_count_withheld,
            reason=NOT_EXPORTED,
        ),
        PersonalData(
            store="table:safety_reviews",
            category=Category.CREATIONS,
            holds="The safety check's blocks of your images, your requests for a person's review, and the outcomes",
            export="generations.json",
            on_erasure=OnErasure.DELETE,
            step=11,
            erase=_erase_reviews,
            count=count_rows("safety_reviews"),
        ),
    ),
)
