"""The Generate page's draft in the database: restored into a session that has none (a reload, a new tab), and
saved whenever the prompt or a setting changed (compared with what was saved last, so a rerun that changed
nothing writes nothing)."""

from __future__ import annotations

import streamlit as st

from core.bootstrap import app_container
from core.domain import GenerationKind, ModelInfo, UserView
from core.domain.studio_draft import SETTING_NAMES, Setting, StudioDraft
from core.services.drafts import DraftService
from pages.components import generate_settings as settings
from pages.components.generate_forms import MODE_KEY, MODE_NAMES, MODEL_KEYS, MODES, TEXT_KEYS

LOADED_KEY = "generate.draft_loaded"  # this session has restored (or had no) draft
SAVED_KEY = "generate.draft_saved"  # the draft as last saved, to write only a changed one
UNTOUCHED = "untouched"  # no draft saved yet: the bar's first state (the defaults) is not one to keep


def restore_draft(user: UserView) -> None:
    """Fill what this session has not set yet from the user's saved draft; once per session. What another page
    put in the bar (Use these settings again, Edit this image) stays."""
    state = st.session_state
    if state.get(LOADED_KEY):
        return
    state[LOADED_KEY] = True
    draft = app_container().of(DraftService).load(user)
    if draft is None:
        state[SAVED_KEY] = UNTOUCHED
        return
    state[SAVED_KEY] = draft.to_json()
    if draft.kind is not None and MODE_KEY not in state:
        state[MODE_KEY] = MODE_NAMES[draft.kind]
    for kind, text in draft.texts.items():
        state.setdefault(TEXT_KEYS[kind], text)
    generation = app_container().generation
    for kind, model_id in draft.models.items():
        model = next((m for m in generation.models(kind) if m.id == model_id), None)
        if model is not None and MODEL_KEYS[kind] not in state:
            state[MODEL_KEYS[kind]] = model
    for name, value in draft.settings.items():
        state.setdefault(settings.key(name), value)


def save_draft(user: UserView) -> None:
    """Save the bar's prompt and settings when they differ from what was saved last."""
    draft = _snapshot()
    if draft is None or draft.to_json() == st.session_state.get(SAVED_KEY):
        return
    if st.session_state.get(SAVED_KEY) == UNTOUCHED:  # the defaults as first shown: kept once the user changes them
        st.session_state[SAVED_KEY] = draft.to_json()
        return
    app_container().of(DraftService).save(user, draft)
    st.session_state[SAVED_KEY] = draft.to_json()


def _snapshot() -> StudioDraft | None:
    state = st.session_state
    kind = MODES.get(str(state.get(MODE_KEY, "")))
    if kind is None:
        return None
    texts: dict[GenerationKind, str] = {k: v for k, key in TEXT_KEYS.items() if isinstance(v := state.get(key), str)}
    models = {k: m.id for k, key in MODEL_KEYS.items() if isinstance(m := state.get(key), ModelInfo)}
    chosen: dict[str, Setting] = {}
    for name in sorted(SETTING_NAMES):
        value = state.get(settings.key(name))
        if isinstance(value, str | int | float | bool):
            chosen[name] = value
    return StudioDraft(kind, texts, models, chosen)
