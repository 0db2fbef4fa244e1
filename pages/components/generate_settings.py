"""The Generate page's settings, drawn from the chosen model's catalogue entry: only what that model accepts.

The rules (defaults, what each model accepts, the custom size) are core's (core/domain/form_settings.py); this
module keeps their values in widgets. Each input has one session key whatever the model, so a setting carries
over when the user switches to a model that accepts it too; a value the new model does not accept falls back
to its default.
Every widget has `persist_state="session"`, so settings survive a visit to another page.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from core.domain import AUTO_SIZE, IMAGE_SIZE_PRESETS, Input, InputSpec, ModelInfo
from core.domain import form_settings as rules
from core.domain.catalogue import INPUT_LABELS
from core.domain.reuse import Draft
from core.text import plural

RATIO_KEY = "generate.aspect_ratio"
COUNT_KEY = "generate.count"
FORMAT_KEY = "generate.format"
SEED_KEY = "generate.seed"
WIDTH_KEY = f"generate.{rules.WIDTH}"
HEIGHT_KEY = f"generate.{rules.HEIGHT}"
CUSTOM = rules.CUSTOM
FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WebP"}
SIZE_LABELS = {
    AUTO_SIZE: "Auto (follows the image)",
    "square_hd": "Square HD · 1024×1024",
    "square": "Square · 512×512",
    "portrait_4_3": "Portrait 3:4 · 768×1024",
    "portrait_16_9": "Portrait 9:16 · 576×1024",
    "landscape_4_3": "Landscape 4:3 · 1024×768",
    "landscape_16_9": "Landscape 16:9 · 1024×576",
    CUSTOM: "Custom size…",
}
HELP = {
    Input.GUIDANCE_SCALE: "How closely the image follows the prompt. Higher is more literal, lower more free.",
    Input.SAFETY_TOLERANCE: "How much the model's safety filter lets through: 1 is the strictest.",
    Input.ENHANCE_PROMPT: "Let the model rewrite the prompt with more detail before it draws.",
    Input.STEPS: "More steps take longer and can add detail.",
    Input.ACCELERATION: "Faster generation, at some cost in quality.",
    Input.SEED: "Leave empty for a random seed; the same seed and prompt give the same image.",
}
_KEYS = {
    Input.ASPECT_RATIO.value: RATIO_KEY,
    Input.NUM_IMAGES.value: COUNT_KEY,
    Input.OUTPUT_FORMAT.value: FORMAT_KEY,
    Input.SEED.value: SEED_KEY,
}


def key(name: Input | str) -> str:
    """The session key of a setting (an input's name, or form_settings.WIDTH / HEIGHT)."""
    name = name.value if isinstance(name, Input) else name
    return _KEYS.get(name, f"generate.{name}")


def settle(model: ModelInfo) -> None:
    """Bring every setting into what this model accepts (its default where the current value is not)."""
    _store(rules.settle(model, _values()))


def chosen(model: ModelInfo) -> dict[str, Any]:
    """The settings as GenerationForm fields: aspect_ratio, seed, num_images, output_format and options."""
    return rules.form_fields(model, _values())


def fill(model: ModelInfo, draft: Draft) -> None:
    """Put a job's settings back into the widgets (Use these settings again)."""
    _store(rules.from_job(model, draft))


def _values() -> dict[str, object]:
    state = st.session_state
    return {name: state[key(name)] for name in (*rules.INPUT_NAMES, rules.WIDTH, rules.HEIGHT) if key(name) in state}


def _store(values: dict[str, object]) -> None:
    for name, value in values.items():
        st.session_state[key(name)] = value


def settings_panel(model: ModelInfo) -> None:
    """The widgets for the model's inputs, in a fixed order (the popover's content)."""
    for spec in sorted(model.inputs, key=lambda s: list(Input).index(s.name)):
        _widget(spec)


def summary(model: ModelInfo) -> str:
    """The settings in a few words, for the button that opens them: "16:9 · 2 images · JPEG · random seed"."""
    state = st.session_state
    parts = []
    if model.accepts(Input.ASPECT_RATIO):
        parts.append(str(state[RATIO_KEY]))
    if model.accepts(Input.IMAGE_SIZE):
        parts.append(_size_summary(str(state[key(Input.IMAGE_SIZE)])))
    if model.accepts(Input.NUM_IMAGES):
        parts.append(plural(int(state[COUNT_KEY]), "image"))
    if model.accepts(Input.OUTPUT_FORMAT):
        parts.append(FORMATS.get(str(state[FORMAT_KEY]), str(state[FORMAT_KEY])))
    if model.accepts(Input.SEED):
        seed = str(state.get(SEED_KEY, "")).strip()
        parts.append(f"seed {seed}" if seed else "random seed")
    return " · ".join(parts) or "Settings"


def _widget(spec: InputSpec) -> None:
    label, widget_key = INPUT_LABELS[spec.name.value], key(spec.name)
    common: dict[str, Any] = {"key": widget_key, "persist_state": "session", "help": HELP.get(spec.name)}
    if spec.name == Input.SEED:
        st.text_input(label, placeholder="random", **common)
    elif spec.name == Input.IMAGE_SIZE:
        _image_size(spec, common)
    elif spec.name == Input.NUM_IMAGES:
        st.radio(label, range(int(spec.minimum or 1), int(spec.maximum or 1) + 1), horizontal=True, **common)
    elif spec.name == Input.OUTPUT_FORMAT:
        st.radio(label, spec.choices, format_func=lambda f: FORMATS.get(f, f), horizontal=True, **common)
    elif spec.name == Input.ASPECT_RATIO:
        st.selectbox(label, spec.choices, **common)
    elif spec.name == Input.SAFETY_TOLERANCE:
        st.select_slider(label, spec.choices, format_func=_tolerance_label(spec.choices), **common)
    elif spec.name == Input.ENHANCE_PROMPT:
        st.toggle(label, **common)
    elif spec.choices:
        st.radio(label, spec.choices, format_func=str.capitalize, horizontal=True, **common)
    elif spec.is_integer:
        st.slider(label, int(spec.minimum or 0), int(spec.maximum or 100), step=1, **common)
    else:
        st.slider(label, float(spec.minimum or 0), float(spec.maximum or 1), step=0.5, **common)


def _image_size(spec: InputSpec, common: dict[str, Any]) -> None:
    options = [*spec.choices, *([CUSTOM] if spec.custom_sizes else [])]
    chosen_size = st.selectbox("Image size", options, format_func=lambda s: SIZE_LABELS.get(s, s), **common)
    if chosen_size == CUSTOM and spec.custom_sizes:
        low, high = spec.custom_sizes
        with st.container(horizontal=True, gap="small"):
            st.number_input("Width", low, high, step=64, key=WIDTH_KEY, persist_state="session")
            st.number_input("Height", low, high, step=64, key=HEIGHT_KEY, persist_state="session")
        st.caption(f"From {low:,} to {high:,} pixels each; priced by megapixel.")


def _tolerance_label(choices: tuple[str, ...]) -> Any:
    names = {choices[0]: f"{choices[0]} · strict", choices[-1]: f"{choices[-1]} · permissive"} if choices else {}
    return lambda value: names.get(value, value)


def _size_summary(value: str) -> str:
    if value == CUSTOM:
        return f"{st.session_state[WIDTH_KEY]}×{st.session_state[HEIGHT_KEY]}"
    if value in IMAGE_SIZE_PRESETS:
        width, height = IMAGE_SIZE_PRESETS[value]
        return f"{width}×{height}"
    return "auto size"
