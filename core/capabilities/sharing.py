"""Sharing: public links to single images (opt-in, revocable, with or without the prompt), the public page and
its metadata-free picture at /s/<token>, and the links on the map of personal data (exported in shares.csv,
ended and deleted first when the account is erased)."""

from core.container import Container
from core.personal_data import Category, OnErasure, PersonalData, count_rows, delete_rows
from core.registry import Capability, RetentionRule
from core.services.shares import REVOKED_KEPT, ShareService
from core.settings import Settings
from core.web.share_routes import share_routes


def shares(c: Container) -> ShareService:
    return ShareService(c.db, c.blobs, c.signer, c.clock, max_pixels=c.settings.max_image_pixels)


def _describe_revoked(_s: Settings) -> str:
    return f"Public links to images revoked more than {REVOKED_KEPT.days} days ago (live links stay until revoked)."


PERSONAL_DATA = (
    PersonalData(
        "table:shares",
        Category.CREATIONS,
        "Your public links to images: which image, with or without its prompt, when made and when turned off",
        "shares.csv",
        OnErasure.DELETE,
        6,  # first of the creations: the links stop working before anything else of the account goes
        delete_rows("shares"),
        count_rows("shares"),
    ),
)

CAPABILITY = Capability(
    name="sharing",
    services={ShareService: shares},
    routes=(share_routes,),
    personal_data=PERSONAL_DATA,
    retention=(
        RetentionRule("revoked_shares", _describe_revoked, lambda c, now: c.of(ShareService).sweep_revoked(now)),
    ),
)
