"""The Generate page's prompt bar for Create, Edit and Combine. It only reads widgets and builds a GenerationForm.

Every widget has `persist_state="session"`, so the prompt draft and the settings survive a visit to
another page. Other pages fill them through `set_draft` before switching here. The settings shown
are the chosen model's own (pages/components/generate_settings.py), and the button carries the
exact quote that submitting holds.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from core.bootstrap import app_container
from core.domain import GenerationForm, GenerationKind, ModelInfo, UserView
from core.domain.reuse import Draft
from core.pricing import price_label
from core.text import plural
from pages.components import generate_settings as settings
from pages.components.edit_source import edit_source, pick_for_edit
from pages.components.frame import page_link
from pages.components.generate_settings import COUNT_KEY, FORMAT_KEY, FORMATS, RATIO_KEY, SEED_KEY
from pages.components.generate_styles import style_chips
from pages.components.reference_source import PICKS_KEY, reference_source
from pages.components.submit_shortcut import submit_shortcut

__all__ = ["COUNT_KEY", "FORMATS", "MODE_KEY", "PROMPT_KEY", "SEED_KEY", "prompt_bar", "set_draft"]

MODE_KEY = "generate.mode"
PROMPT_KEY = "generate.prompt"
INSTRUCTION_KEY = "generate.instruction"
COMBINE_KEY = "generate.combine_prompt"
TEXT_KEYS = {
    GenerationKind.TEXT_TO_IMAGE: PROMPT_KEY,
    GenerationKind.EDIT: INSTRUCTION_KEY,
    GenerationKind.MULTI_REFERENCE: COMBINE_KEY,
}
MODEL_KEYS = {
    GenerationKind.TEXT_TO_IMAGE: "generate.create_model",
    GenerationKind.EDIT: "generate.edit_model",
    GenerationKind.MULTI_REFERENCE: "generate.combine_model",
}
SETTINGS_KEYS = (RATIO_KEY, COUNT_KEY, FORMAT_KEY, *MODEL_KEYS.values())  # what the Account page's defaults set
MODES = {"Create": GenerationKind.TEXT_TO_IMAGE, "Edit": GenerationKind.EDIT, "Combine": GenerationKind.MULTI_REFERENCE}
MODE_NAMES = {kind: name for name, kind in MODES.items()}
DEFAULT_KIND = GenerationKind.TEXT_TO_IMAGE
EXAMPLES = {
    GenerationKind.TEXT_TO_IMAGE: "e.g. A lighthouse at dusk, teal and orange sky, film grain",
    GenerationKind.EDIT: 'e.g. sepia, rotate 90 degrees and add a caption "Hello"',
    GenerationKind.MULTI_REFERENCE: "e.g. The cat from image 1 sitting on the sofa from image 2",
}
TEXT_LABELS = {kind: "Prompt" if kind == GenerationKind.TEXT_TO_IMAGE else "Instruction" for kind in GenerationKind}
TEXT_HELP = {
    GenerationKind.TEXT_TO_IMAGE: "Describe the picture. Colours you name are used.",
    GenerationKind.EDIT: "Say what to change in the image.",
    GenerationKind.MULTI_REFERENCE: "Say how to combine the images; refer to them by their numbers.",
}
BUTTONS = {  # label, icon, key
    GenerationKind.TEXT_TO_IMAGE: ("Generate", ":material/auto_awesome:", "generate.submit"),
    GenerationKind.EDIT: ("Apply edit", ":material/auto_fix_high:", "generate.submit_edit"),
    GenerationKind.MULTI_REFERENCE: ("Combine", ":material/join:", "generate.submit_combine"),
}


def set_draft(values: Draft) -> None:
    """Fill the Generate page's widgets (called by other pages before switching here, or from a callback).

    Without a kind the current mode stays; without a prompt the text typed stays (core.domain.reuse.Draft).
    """
    state = st.session_state
    kind = GenerationKind(values["kind"]) if "kind" in values else MODES.get(state.get(MODE_KEY, ""), DEFAULT_KIND)
    state[MODE_KEY] = MODE_NAMES[kind]
    if "prompt" in values:
        state[TEXT_KEYS[kind]] = values["prompt"]
    models = app_container().generation.models(kind)
    model = next((m for m in models if m.id == values.get("model")), None)
    if model is not None:
        state[MODEL_KEYS[kind]] = model
    if kind == GenerationKind.EDIT and (source := values.get("source_image_id")):
        pick_for_edit(source)
    if kind == GenerationKind.MULTI_REFERENCE:
        state[PICKS_KEY] = list(values.get("reference_ids", ()))
    target = model or state.get(MODEL_KEYS[kind]) or (models[0] if models else None)
    if isinstance(target, ModelInfo) and any(k in values for k in ("seed", "options", "num_images", "output_format")):
        settings.fill(target, values)


def forget_settings() -> None:
    """The Account page's defaults changed: the Generate page starts from them again (the prompt stays)."""
    for key in SETTINGS_KEYS:
        st.session_state.pop(key, None)


def mode_picker() -> GenerationKind:
    """Create, Edit and, where the engine has a model for it, Combine."""
    offered = [MODE_NAMES[kind] for kind in app_container().generation.kinds() if kind.in_prompt_bar]
    if st.session_state.get(MODE_KEY) not in offered:
        st.session_state[MODE_KEY] = offered[0]
    mode = st.segmented_control("Mode", offered, key=MODE_KEY, persist_state="session", label_visibility="collapsed")
    return MODES[mode or offered[0]]


def prompt_bar(user: UserView, kind: GenerationKind, blocked: str) -> GenerationForm | None:
    """The source images (Edit, Combine), the text, the model, its settings and the button with its price.
    `blocked` says why it cannot run now. Returns the form when the button was pressed and nothing blocks."""
    service = app_container().generation
    models = service.models(kind)
    _start_from_defaults(user, models, kind)
    model: ModelInfo = st.session_state[MODEL_KEYS[kind]]
    settings.settle(model)
    sources: dict[str, Any] = {}
    missing = ""
    if kind != GenerationKind.TEXT_TO_IMAGE:
        with st.container(key="generate.sources"):  # its picker folds and unfolds without moving the bar
            if kind == GenerationKind.EDIT:
                source = edit_source(user)
                sources, missing = {"source_image_id": source.image_id, "upload": source.upload}, source.missing
            else:
                refs = reference_source(user, model)
                sources, missing = {"reference_ids": refs.image_ids, "reference_uploads": refs.uploads}, refs.missing
    if kind == GenerationKind.TEXT_TO_IMAGE:
        style_chips(set_draft)
    text = _text_box(kind)
    form = GenerationForm(kind, text, model.id, **settings.chosen(model), **sources)
    cost = service.quote(user, form)
    short = _cannot_afford(user, cost)
    reason = blocked or short or missing
    verb, icon, button_key = BUTTONS[kind]
    with st.container(horizontal=True, vertical_alignment="center", gap="small", key="generate.bar"):
        _model_picker(models, kind)
        with st.popover(settings.summary(model), icon=":material/tune:", help="The model's settings"):
            if model.description:
                st.caption(model.description)
            settings.settings_panel(model)
        submitted = st.button(
            f"{verb} · {plural(cost, 'credit')}",
            type="primary",
            disabled=bool(reason),
            key=button_key,
            help=reason or None,
            icon=icon,
        )
        # Ctrl+Enter (Cmd+Enter) in the text box counts as this click, under the same `reason`.
        pressed = submit_shortcut(TEXT_LABELS[kind], key=f"{button_key}.shortcut")
    if len(models) > 1 and model.description:
        st.caption(model.description)  # what the chosen model is good at, under the picker
    # An edit's missing image is plain to see beside its picker; Combine says how many more it needs.
    shown = missing if kind == GenerationKind.MULTI_REFERENCE else ""
    _explain(blocked or short or shown, credits=bool(short))
    if kind != GenerationKind.TEXT_TO_IMAGE and (help_text := service.edit_help()):
        # After the button, folded: the new job shows right under the button, not below a page of tips.
        with st.expander("What this engine understands" if not service.engine_is_ai else "Tips for instructions"):
            st.markdown(help_text)
    if not (submitted or pressed) or reason:
        return None
    return form


def _text_box(kind: GenerationKind) -> str:
    """The prompt or instruction: it counts characters as they are typed, and keeps its draft across pages."""
    text = st.text_area(
        TEXT_LABELS[kind],
        key=TEXT_KEYS[kind],
        max_chars=app_container().generation.limits.max_prompt_chars,
        height=96 if kind == GenerationKind.TEXT_TO_IMAGE else 80,
        placeholder=EXAMPLES[kind],
        label_visibility="collapsed",
        persist_state="session",
        on_change="ignore",  # sent with the next click: leaving the box never reruns (nor closes the settings)
        help=TEXT_HELP[kind],
    )
    return text or ""


def _start_from_defaults(user: UserView, models: list[ModelInfo], kind: GenerationKind) -> None:
    """Settings the user has not touched in this session start from their Account page defaults (read only
    when one is unset: on the first visit, and after the defaults change)."""
    state = st.session_state
    model_key = MODEL_KEYS[kind]
    if all(key in state for key in (RATIO_KEY, COUNT_KEY, FORMAT_KEY, SEED_KEY)) and (state.get(model_key) in models):
        return
    prefs = app_container().accounts.preferences(user)
    state.setdefault(RATIO_KEY, prefs.aspect_ratio)
    state.setdefault(COUNT_KEY, prefs.num_images)
    state.setdefault(FORMAT_KEY, prefs.output_format if prefs.output_format in FORMATS else "jpeg")
    state.setdefault(SEED_KEY, "")
    if state.get(model_key) not in models:
        state[model_key] = next((m for m in models if m.id == prefs.model), models[0])


def _model_picker(models: list[ModelInfo], kind: GenerationKind) -> None:
    """Each model with its price ("40 credits" each image, "from 25 credits/MP") and a word on its speed
    ("FLUX.2 [dev] Turbo · from 8 credits/MP · fast"); hidden while there is only one."""
    if len(models) > 1:
        st.selectbox(
            "Model",
            models,
            format_func=model_option,
            key=MODEL_KEYS[kind],
            persist_state="session",
            label_visibility="collapsed",
            width=420,  # a model's name, its kind, its price and its speed
        )


def model_option(model: ModelInfo) -> str:
    return f"{model.label} · {price_label(model)} · {model.speed}"


def _cannot_afford(user: UserView, cost: int) -> str:
    return app_container().credits.shortfall(user.balance, cost)


def _explain(reason: str, *, credits: bool) -> None:
    if not reason:
        return
    with st.container(horizontal=True, vertical_alignment="center", gap="small", key="generate.blocked"):
        st.markdown(f":material/info: {reason}")
        if credits:
            page_link("pages/billing.py", "Buy credits", icon=":material/payments:")
