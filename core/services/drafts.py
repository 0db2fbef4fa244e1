"""DraftService: the Generate page's prompt and settings kept per user, so a reload or a new tab starts from them."""

from __future__ import annotations

from dataclasses import replace

from core.clock import Clock
from core.domain import GenerationKind, UserView
from core.domain.studio_draft import StudioDraft, parse_draft
from core.errors import DuplicateKeyError
from core.ports import ImageEngine
from db.repositories.drafts import DraftRepository
from db.uow import Database


class DraftService:
    def __init__(self, db: Database, engine: ImageEngine, clock: Clock, *, max_text_chars: int) -> None:
        self.db, self.engine, self.clock = db, engine, clock
        self.max_text_chars = max_text_chars

    def load(self, user: UserView) -> StudioDraft | None:
        """The user's draft, read through its parser (a model no longer offered, or a value of the wrong kind, is
        left out); None when they have none."""
        with self.db.reader() as uow:
            row = uow.of(DraftRepository).get(user.id)
            data = row.data if row is not None else None
        if data is None:
            return None
        offered: dict[GenerationKind, set[str]] = {}
        for model in self.engine.models():
            offered.setdefault(model.kind, set()).add(model.id)
        return parse_draft(data, offered, self.max_text_chars)

    def save(self, user: UserView, draft: StudioDraft) -> None:
        """Keep this draft as the user's (the latest save wins; a save racing a first save in another tab retries
        once as an update)."""
        for attempt in range(2):
            try:
                with self.db.uow() as uow:
                    uow.of(DraftRepository).put(user.id, draft.to_json(), self.clock())
                    uow.commit()
                return
            except DuplicateKeyError:
                if attempt:
                    raise

    def forget_settings(self, user: UserView) -> None:
        """New Account defaults: the saved draft keeps its mode and texts, and its models and settings go, so the
        Generate page starts from the defaults again (after a reload or in a new tab too)."""
        draft = self.load(user)
        if draft is not None and (draft.models or draft.settings):
            self.save(user, replace(draft, models={}, settings={}))
