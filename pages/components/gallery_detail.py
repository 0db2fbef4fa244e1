"""The gallery's detail view of one image: the picture, how it was made, and what to do with it."""

from __future__ import annotations

import streamlit as st

from core.bootstrap import app_container
from core.domain import GenerationKind, UserView
from core.errors import NotFoundError
from core.services.gallery import ImageDetail
from core.text import plural
from pages.components.generate_forms import set_draft
from pages.components.media import show_image

SELECTED_KEY = "gallery.selected"
CONFIRM_KEY = "gallery.confirm_delete"


def detail_view(user: UserView, detail: ImageDetail) -> None:
    image, generation = detail.image, detail.generation
    if st.button("← Back to gallery", key="gallery.back"):
        st.session_state.pop(SELECTED_KEY, None)
        st.rerun()
    left, right = st.columns([3, 2])
    with left:
        show_image(image.original_url)
    with right:
        st.subheader(f"Image #{image.id}")
        if generation is None:
            st.markdown("**Uploaded by you** for editing.")
        else:
            label = "Prompt" if generation.kind == GenerationKind.TEXT_TO_IMAGE else "Instruction"
            st.markdown(f"**{label}**")
            st.text(generation.prompt)
            st.table(_facts(detail))
        if detail.parent is not None:
            st.markdown("**Edited from**")
            show_image(detail.parent.thumb_url, width=160)
        elif detail.parent_deleted:
            st.caption("Edited from an image that has since been deleted.")
        _actions(user, detail)


def _facts(detail: ImageDetail) -> dict[str, str]:
    image, generation = detail.image, detail.generation
    assert generation is not None
    return {
        "Model": generation.model,
        "Aspect ratio": generation.aspect_ratio,
        "Size": f"{image.width} × {image.height} px",
        "Format": image.content_type.split("/")[-1].upper(),
        "Seed": str(generation.seed),
        "Cost": _cost(generation.charged, generation.num_images),
        "Created": f"{generation.created_at:%Y-%m-%d %H:%M:%S} UTC",
    }


def _cost(charged: int, images: int) -> str:
    credits = plural(charged, "credit")
    return f"{credits} for {plural(images, 'image')}" if images > 1 else credits


def _actions(user: UserView, detail: ImageDetail) -> None:
    image, generation = detail.image, detail.generation
    st.link_button("Download original", image.download_url, icon=":material/download:", width="stretch")
    if generation is not None and st.button("Use these settings again", key="gallery.reuse", width="stretch"):
        set_draft(_draft_from(detail))
        st.switch_page("pages/generate.py")
    if st.button("Edit this image", key="gallery.edit", width="stretch"):
        set_draft({"kind": GenerationKind.EDIT, "source_image_id": image.id, "prompt": ""})
        st.switch_page("pages/generate.py")
    if st.session_state.get(CONFIRM_KEY) != image.id:
        if st.button("Delete…", key="gallery.delete", width="stretch"):
            st.session_state[CONFIRM_KEY] = image.id
            st.rerun()
        return
    st.warning(
        "Delete this image for good? Its files are removed; the record of how it was made stays in your history."
    )
    yes, no = st.columns(2)
    if yes.button("Yes, delete", key="gallery.delete_yes", type="primary", width="stretch"):
        try:
            app_container().gallery.delete(user, image.id)
            st.toast("Image deleted.")
        except NotFoundError:  # deleted in another tab in the meantime: the outcome is the same
            st.toast("This image had already been deleted.")
        st.session_state.pop(CONFIRM_KEY, None)
        st.session_state.pop(SELECTED_KEY, None)
        st.rerun()
    if no.button("Keep it", key="gallery.delete_no", width="stretch"):
        st.session_state.pop(CONFIRM_KEY, None)
        st.rerun()


def _draft_from(detail: ImageDetail) -> dict[str, object]:
    generation = detail.generation
    assert generation is not None
    if generation.kind == GenerationKind.EDIT:
        return {
            "kind": GenerationKind.EDIT,
            "prompt": generation.prompt,
            "source_image_id": generation.parent_image_id,
            "output_format": generation.output_format,
        }
    return {
        "kind": GenerationKind.TEXT_TO_IMAGE,
        "prompt": generation.prompt,
        "aspect_ratio": generation.aspect_ratio,
        "seed": generation.seed,
        "num_images": generation.num_images,
        "output_format": generation.output_format,
    }
