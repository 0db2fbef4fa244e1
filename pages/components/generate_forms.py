"""The Generate page's prompt bar, for Create and for Edit. It only reads widgets and builds a GenerationForm.

Every setting is a widget with `persist_state="session"`, so the prompt draft and the settings
survive a visit to another page. Other pages fill them through `set_draft` before switching here.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from core.bootstrap import app_container
from core.domain import (
    ASPECT_RATIOS,
    MAX_IMAGES_PER_JOB,
    GenerationForm,
    GenerationKind,
    GenerationView,
    ImageView,
    ModelInfo,
    UserView,
)
from core.text import plural
from pages.components.edit_source import EDIT_SOURCES, PICK_KEY, SOURCE_KEY, edit_source
from pages.components.frame import page_link

MODE_KEY = "generate.mode"
PROMPT_KEY = "generate.prompt"
INSTRUCTION_KEY = "generate.instruction"
RATIO_KEY = "generate.aspect_ratio"
COUNT_KEY = "generate.count"
FORMAT_KEY = "generate.format"
SEED_KEY = "generate.seed"
MODEL_KEYS = {GenerationKind.TEXT_TO_IMAGE: "generate.create_model", GenerationKind.EDIT: "generate.edit_model"}
SETTINGS_KEYS = (RATIO_KEY, COUNT_KEY, FORMAT_KEY, *MODEL_KEYS.values())  # what the Account page's defaults set
MODES = {"Create": GenerationKind.TEXT_TO_IMAGE, "Edit": GenerationKind.EDIT}
FORMATS = {"jpeg": "JPEG", "png": "PNG"}
PROMPT_EXAMPLE = "e.g. A lighthouse at dusk, teal and orange sky, film grain"
EDIT_EXAMPLE = 'e.g. sepia, rotate 90 degrees and add a caption "Hello"'


def set_draft(values: dict[str, Any]) -> None:
    """Fill the Generate page's widgets (called by other pages before switching here, or from a callback).

    Keys: kind, prompt, aspect_ratio, seed, num_images, output_format, source_image_id.
    """
    state = st.session_state
    if values.get("kind") == GenerationKind.EDIT:
        state[MODE_KEY] = "Edit"
        state[INSTRUCTION_KEY] = values.get("prompt", "")
        if values.get("source_image_id"):
            state[SOURCE_KEY] = EDIT_SOURCES[1]
            state[PICK_KEY] = values["source_image_id"]
        if values.get("output_format") in FORMATS:
            state[FORMAT_KEY] = values["output_format"]
        return
    state[MODE_KEY] = "Create"
    state[PROMPT_KEY] = values.get("prompt", "")
    if values.get("aspect_ratio") in ASPECT_RATIOS:
        state[RATIO_KEY] = values["aspect_ratio"]
    if values.get("num_images") in range(1, MAX_IMAGES_PER_JOB + 1):
        state[COUNT_KEY] = values["num_images"]
    if values.get("output_format") in FORMATS:
        state[FORMAT_KEY] = values["output_format"]
    state[SEED_KEY] = "" if values.get("seed") is None else str(values["seed"])


def reuse_draft(job: GenerationView, image: ImageView | None = None) -> dict[str, Any]:
    """What reproduces `image` (or the whole job): its own seed and one image, or the job's seed and count."""
    if job.kind == GenerationKind.EDIT:
        return {
            "kind": GenerationKind.EDIT,
            "prompt": job.prompt,
            "source_image_id": job.parent_image_id,
            "output_format": job.output_format,
        }
    own_seed = image is not None and image.seed is not None
    return {
        "kind": GenerationKind.TEXT_TO_IMAGE,
        "prompt": job.prompt,
        "aspect_ratio": job.aspect_ratio,
        "seed": image.seed if own_seed and image is not None else job.seed,
        "num_images": 1 if own_seed else job.num_images,
        "output_format": job.output_format,
    }


def forget_settings() -> None:
    """The Account page's defaults changed: the Generate page starts from them again (the prompt stays)."""
    for key in SETTINGS_KEYS:
        st.session_state.pop(key, None)


def mode_picker() -> GenerationKind:
    st.session_state.setdefault(MODE_KEY, "Create")
    mode = st.segmented_control(
        "Mode", list(MODES), key=MODE_KEY, persist_state="session", label_visibility="collapsed"
    )
    return MODES[mode or "Create"]


def create_bar(user: UserView, blocked: str) -> GenerationForm | None:
    """The prompt, the folded-away settings and the Generate button. `blocked` says why it cannot run now."""
    service = app_container().generation
    models = service.models(GenerationKind.TEXT_TO_IMAGE)
    _start_from_defaults(user, models)
    prompt = _text_box("Prompt", PROMPT_KEY, 96, PROMPT_EXAMPLE, "Describe the picture. Colours you name are used.")
    count = int(st.session_state.get(COUNT_KEY) or 1)
    cost = service.quote(count)
    short = _cannot_afford(user, cost)
    reason = blocked or short
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        with st.popover(_summary(), icon=":material/tune:", help="Aspect ratio, number of images, format, seed"):
            model = _model_picker(models, GenerationKind.TEXT_TO_IMAGE)
            st.selectbox("Aspect ratio", ASPECT_RATIOS, key=RATIO_KEY, persist_state="session")
            st.radio(
                "Number of images",
                range(1, MAX_IMAGES_PER_JOB + 1),
                key=COUNT_KEY,
                horizontal=True,
                persist_state="session",
            )
            st.radio(
                "Format",
                list(FORMATS),
                format_func=FORMATS.__getitem__,
                key=FORMAT_KEY,
                horizontal=True,
                persist_state="session",
            )
            st.text_input(
                "Seed",
                key=SEED_KEY,
                placeholder="random",
                persist_state="session",
                help="Leave empty for a random seed; the same seed and prompt give the same image.",
            )
        submitted = _submit(
            f"Generate · {plural(cost, 'credit')}", "generate.submit", ":material/auto_awesome:", reason
        )
    _explain(reason, credits=bool(short))
    if not submitted or reason:
        return None
    state = st.session_state
    # The seed goes as typed: the service checks it and explains what it accepts.
    return GenerationForm(
        GenerationKind.TEXT_TO_IMAGE,
        prompt,
        model.id,
        state[RATIO_KEY],
        state.get(SEED_KEY, ""),
        count,
        state[FORMAT_KEY],
    )


def edit_bar(user: UserView, blocked: str) -> GenerationForm | None:
    service = app_container().generation
    models = service.models(GenerationKind.EDIT)
    _start_from_defaults(user, models)
    source = edit_source(user)
    instruction = _text_box("Instruction", INSTRUCTION_KEY, 80, EDIT_EXAMPLE, "Say what to change in the image.")
    if help_text := service.edit_help():
        with st.expander("What this engine understands"):
            st.markdown(help_text)
    cost = service.quote(1)
    short = _cannot_afford(user, cost)
    reason = blocked or short or source.missing
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        with st.popover(FORMATS[st.session_state[FORMAT_KEY]], icon=":material/tune:", help="Model and format"):
            model = _model_picker(models, GenerationKind.EDIT)
            st.radio(
                "Format",
                list(FORMATS),
                format_func=FORMATS.__getitem__,
                key=FORMAT_KEY,
                horizontal=True,
                persist_state="session",
            )
        submitted = _submit(
            f"Apply edit · {plural(cost, 'credit')}", "generate.submit_edit", ":material/auto_fix_high:", reason
        )
    _explain(blocked or short, credits=bool(short))  # a missing image is plain to see
    if not submitted or reason:
        return None
    return GenerationForm(
        GenerationKind.EDIT,
        instruction,
        model.id,
        output_format=st.session_state[FORMAT_KEY],
        source_image_id=source.image_id,
        upload=source.upload,
    )


def _submit(label: str, key: str, icon: str, reason: str) -> bool:
    """The primary button, with its price in the label; disabled, with the reason as its tooltip, when blocked."""
    return st.button(label, type="primary", disabled=bool(reason), key=key, help=reason or None, icon=icon)


def _text_box(label: str, key: str, height: int, example: str, help: str) -> str:
    """The prompt or instruction: it counts characters as they are typed, and keeps its draft across pages."""
    text = st.text_area(
        label,
        key=key,
        max_chars=app_container().generation.limits.max_prompt_chars,
        height=height,
        placeholder=example,
        label_visibility="collapsed",
        persist_state="session",
        on_change="ignore",  # sent with the next click: leaving the box never reruns (nor closes the settings)
        help=help,
    )
    return text or ""


def _start_from_defaults(user: UserView, models: list[ModelInfo]) -> None:
    """Settings the user has not touched in this session start from their Account page defaults (read only
    when one is unset: on the first visit, and after the defaults change)."""
    state = st.session_state
    model_key = MODEL_KEYS[models[0].kind] if models else ""
    if all(key in state for key in (RATIO_KEY, COUNT_KEY, FORMAT_KEY, SEED_KEY, SOURCE_KEY)) and (
        not models or state.get(model_key) in models
    ):
        return
    prefs = app_container().accounts.preferences(user)
    state.setdefault(RATIO_KEY, prefs.aspect_ratio if prefs.aspect_ratio in ASPECT_RATIOS else "1:1")
    state.setdefault(COUNT_KEY, prefs.num_images)
    state.setdefault(FORMAT_KEY, prefs.output_format if prefs.output_format in FORMATS else "jpeg")
    state.setdefault(SEED_KEY, "")
    state.setdefault(SOURCE_KEY, EDIT_SOURCES[0])
    if models and state.get(model_key) not in models:
        state[model_key] = next((m for m in models if m.id == prefs.model), models[0])


def _model_picker(models: list[ModelInfo], kind: GenerationKind) -> ModelInfo:
    """Hidden while there is only one model to choose."""
    if len(models) == 1:
        return models[0]
    chosen = st.selectbox("Model", models, format_func=lambda m: m.label, key=MODEL_KEYS[kind], persist_state="session")
    return chosen or models[0]


def _summary() -> str:
    state = st.session_state
    seed = str(state.get(SEED_KEY, "")).strip()
    parts = [state[RATIO_KEY], plural(int(state[COUNT_KEY]), "image"), FORMATS[state[FORMAT_KEY]]]
    return " · ".join([*parts, f"seed {seed}" if seed else "random seed"])


def _cannot_afford(user: UserView, cost: int) -> str:
    if user.balance >= cost:
        return ""
    return f"This needs {plural(cost, 'credit')} and you have {plural(user.balance, 'credit')}."


def _explain(reason: str, *, credits: bool) -> None:
    if not reason:
        return
    with st.container(horizontal=True, vertical_alignment="center", gap="small", key="generate.blocked"):
        st.markdown(f":material/info: {reason}")
        if credits:
            page_link("pages/credits.py", "Where credits come from", icon=":material/toll:")
