"""The Create and Edit forms of the Generate page. They only read widgets and build a GenerationForm."""

from __future__ import annotations

from typing import Any

import streamlit as st

from core.bootstrap import app_container
from core.domain import ASPECT_RATIOS, MAX_IMAGES_PER_JOB, GenerationForm, GenerationKind, UserView
from core.errors import NotFoundError
from core.text import plural
from pages.components.media import show_image

COUNT_KEY = "generate.count"  # the image-count slider; cleared when the user's defaults change
DRAFT_KEY = "generate.draft"  # filled by the gallery: "use these settings again" / "edit this image"
FORMATS = {"jpeg": "JPEG", "png": "PNG"}
EDIT_SOURCES = ["Upload a file", "Pick from my gallery"]


def draft() -> dict[str, Any]:
    return st.session_state.get(DRAFT_KEY) or {}


def set_draft(values: dict[str, Any]) -> None:
    """Called by other pages before switching here; the next Generate run applies it once."""
    st.session_state[DRAFT_KEY] = {**values, "fresh": True}


def apply_fresh_draft() -> None:
    """Point the keyed widgets (mode, image count, edit source) at a draft that just arrived."""
    values = draft()
    if not values.pop("fresh", False):
        return
    editing = values.get("kind") == GenerationKind.EDIT
    st.session_state["generate.mode"] = "Edit" if editing else "Create"
    if editing and values.get("source_image_id"):
        st.session_state["generate.edit_source"] = EDIT_SOURCES[1]
        st.session_state["generate.pick"] = values["source_image_id"]
    if not editing:
        st.session_state[COUNT_KEY] = values.get("num_images", 1)


def create_form(user: UserView, busy: bool) -> GenerationForm | None:
    service = app_container().generation
    prefs = app_container().accounts.preferences(user)  # the user's defaults, from the Account page
    values = draft() if draft().get("kind") == GenerationKind.TEXT_TO_IMAGE else {}
    models = service.models(GenerationKind.TEXT_TO_IMAGE)
    preferred = next((i for i, m in enumerate(models) if m.id == prefs.model), 0)
    model = st.selectbox("Model", models, index=preferred, format_func=lambda m: m.label, key="generate.create_model")
    st.session_state.setdefault(COUNT_KEY, prefs.num_images)
    count = st.slider("Number of images", 1, MAX_IMAGES_PER_JOB, key=COUNT_KEY)
    cost = service.quote(count)
    with st.form("generate.create"):
        prompt = st.text_area(
            "Prompt",
            value=values.get("prompt", ""),
            height=120,
            help=f"Up to {service.limits.max_prompt_chars:,} characters. Colours you name are used.",
        )
        left, middle, right = st.columns(3)
        ratio = left.selectbox(
            "Aspect ratio", ASPECT_RATIOS, index=ASPECT_RATIOS.index(values.get("aspect_ratio", prefs.aspect_ratio))
        )
        fmt = middle.radio(
            "Format",
            list(FORMATS),
            format_func=FORMATS.__getitem__,
            index=list(FORMATS).index(values.get("output_format", prefs.output_format)),
            horizontal=True,
        )
        seed_text = right.text_input(
            "Seed",
            value=str(values.get("seed", "")),
            placeholder="random",
            help="Leave empty for a random seed; the same seed and prompt give the same image.",
        )
        submitted = st.form_submit_button(f"Generate · {plural(cost, 'credit')}", type="primary", disabled=busy)
    if not submitted or model is None:
        return None
    # The seed goes as typed: the service checks it and explains what it accepts.
    return GenerationForm(GenerationKind.TEXT_TO_IMAGE, prompt, model.id, ratio, seed_text, count, fmt)


def edit_form(user: UserView, busy: bool) -> GenerationForm | None:
    service = app_container().generation
    values = draft() if draft().get("kind") == GenerationKind.EDIT else {}
    models = service.models(GenerationKind.EDIT)
    model = st.selectbox("Model", models, format_func=lambda m: m.label, key="generate.edit_model")
    source = st.radio("Image to edit", EDIT_SOURCES, horizontal=True, key="generate.edit_source")
    upload, picked = None, None
    if source == EDIT_SOURCES[0]:
        upload = st.file_uploader(
            f"JPEG, PNG or WebP, up to {service.limits.max_upload_mb:g} MB",
            type=["jpg", "jpeg", "png", "webp"],
            key="generate.upload",
        )
    else:
        picked = _pick_from_gallery(user, values.get("source_image_id"))
    if help_text := service.edit_help():
        with st.expander("What this engine understands"):
            st.markdown(help_text)
    cost = service.quote(1)
    with st.form("generate.edit"):
        instruction = st.text_area(
            "Instruction",
            value=values.get("prompt", ""),
            height=90,
            placeholder='e.g. sepia, rotate 90 degrees and add a caption "Hello"',
            help=f"Up to {service.limits.max_prompt_chars:,} characters.",
        )
        preferred = list(FORMATS).index(app_container().accounts.preferences(user).output_format)
        fmt = st.radio("Format", list(FORMATS), format_func=FORMATS.__getitem__, index=preferred, horizontal=True)
        submitted = st.form_submit_button(f"Apply edit · {plural(cost, 'credit')}", type="primary", disabled=busy)
    if not submitted or model is None:
        return None
    return GenerationForm(
        GenerationKind.EDIT,
        instruction,
        model.id,
        output_format=fmt,
        source_image_id=picked,
        upload=upload.getvalue() if upload else None,
    )


def _pick_from_gallery(user: UserView, preferred: int | None) -> int | None:
    page = app_container().gallery.page(user)
    options = {image.id: image for image in page.items}
    if preferred is not None and preferred not in options:
        try:
            options = {preferred: app_container().gallery.detail(user, preferred).image, **options}
        except NotFoundError:
            preferred = None
    if not options:
        st.info("Your gallery is empty. Upload a file instead.")
        return None
    ids = list(options)
    if st.session_state.get("generate.pick") not in ids:
        st.session_state["generate.pick"] = preferred if preferred in ids else ids[0]
    chosen = st.selectbox(
        "Image",
        ids,
        format_func=lambda i: (
            f"#{i} · {options[i].created_at:%Y-%m-%d %H:%M} UTC · {options[i].width}×{options[i].height}"
        ),
        key="generate.pick",
    )
    if chosen is not None:
        show_image(options[chosen].thumb_url, width=160)
    return chosen
