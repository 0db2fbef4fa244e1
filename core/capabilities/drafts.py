"""Drafts: the Generate page's prompt and settings, kept per user in the database so a reload keeps them."""

from core.container import Container
from core.personal_data import Category, OnErasure, PersonalData, count_rows, delete_rows
from core.registry import Capability
from core.services.drafts import DraftService


def drafts(c: Container) -> DraftService:
    return DraftService(c.db, c.engine, c.clock, max_text_chars=c.settings.max_prompt_chars)


PERSONAL_DATA = (
    PersonalData(
        "table:drafts",
        Category.SETTINGS,
        "The prompt and settings you were writing on the Generate page, not yet sent",
        "profile.json",
        OnErasure.DELETE,
        30,
        delete_rows("drafts"),
        count_rows("drafts"),
    ),
)

CAPABILITY = Capability(name="drafts", services={DraftService: drafts}, personal_data=PERSONAL_DATA)
