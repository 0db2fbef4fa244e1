"""The Generate page's styles: the published presets as chips above the prompt. Picking one fills its model and
settings; the typed prompt becomes its subject when the job is made."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from core.bootstrap import app_container
from core.domain import GenerationForm, GenerationKind
from core.domain.catalogue import COLUMN_INPUTS
from core.domain.lab import SUBJECT
from core.domain.lab_views import PresetView
from core.domain.reuse import Draft
from core.services.presets import PresetService
from pages.components.safe_text import escape_markdown

STYLE_KEY = "generate.style"


def style_chips(fill: Callable[[Draft], None]) -> None:
    """The chips, when any preset is published; the chosen one's preview and how the prompt is used. Picking one
    calls `fill` with its model and settings (the prompt bar's set_draft)."""
    presets = {p.id: p for p in app_container().of(PresetService).published()}
    state = st.session_state
    if state.get(STYLE_KEY) not in presets:
        state[STYLE_KEY] = None
    if not presets:
        return
    chosen = st.pills(
        "Style",
        list(presets),
        format_func=lambda pid: presets[pid].name,
        key=STYLE_KEY,
        on_change=_fill,
        args=(presets, fill),
        help="A style sets the model and its settings; what you type becomes its subject.",
    )
    if chosen is not None:
        preset = presets[chosen]
        with st.container(horizontal=True, vertical_alignment="center", gap="small", key="generate.style_note"):
            preview = app_container().of(PresetService).preview(preset.id)
            st.image(preview, width=56, alt=f"A sample of the style {preset.name}")
            shown = "**your prompt**".join(escape_markdown(part) for part in preset.prompt.split("{" + SUBJECT + "}"))
            st.caption(f"{escape_markdown(preset.name)}: {shown}", width="content")


def styled(form: GenerationForm) -> GenerationForm:
    """The form with the chosen style's prompt around the typed words (Create only)."""
    if form.kind != GenerationKind.TEXT_TO_IMAGE:
        return form
    return app_container().of(PresetService).styled(form, st.session_state.get(STYLE_KEY))


def _fill(presets: dict[int, PresetView], fill: Callable[[Draft], None]) -> None:
    preset = presets.get(st.session_state.get(STYLE_KEY) or 0)
    if preset is None:
        return
    settings = dict(preset.settings)
    draft: Draft = {
        "kind": GenerationKind.TEXT_TO_IMAGE,
        "model": preset.model,
        "output_format": str(settings.get("output_format", "jpeg")),
        "options": {k: v for k, v in settings.items() if k not in COLUMN_INPUTS},
    }
    if "aspect_ratio" in settings:
        draft["aspect_ratio"] = str(settings["aspect_ratio"])
    fill(draft)
