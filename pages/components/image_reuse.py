"""The image view's ways back to Generate with this image: its settings again (all, the prompt or the seed) and Edit.
Also the gallery grid's "Use again" and "Edit" quick actions."""

from __future__ import annotations

import streamlit as st

from core.bootstrap import app_container
from core.domain import UserView
from core.domain.reuse import ReusePart, edit_draft, reuse_draft
from core.errors import NotFoundError
from core.services.gallery import ImageDetail
from pages.components.generate_forms import set_draft
from pages.components.to_generate import leave_for_generate

REUSE_PARTS: tuple[tuple[str, ReusePart, str], ...] = (
    ("Prompt only", "prompt", "Use just this prompt"),
    ("Seed only", "seed", "Use just this image's seed"),
)


def reuse(user: UserView, image_id: int) -> None:
    """Fill the Generate page with what made this image (its own seed, one image) and go there."""
    _reuse(app_container().gallery.detail(user, image_id))


def _reuse(detail: ImageDetail, part: ReusePart = "all") -> None:
    """`part` "all" (every setting), "prompt" (only the prompt) or "seed" (only the seed)."""
    if detail.generation is None:
        raise NotFoundError("An uploaded image has no settings to use again. Edit it instead.")
    set_draft(reuse_draft(detail.generation, detail.image, part))
    leave_for_generate()


def edit(image_id: int) -> None:
    """Open the Generate page's Edit with this image."""
    set_draft(edit_draft(image_id))
    leave_for_generate()


def use_again_buttons(detail: ImageDetail) -> None:
    """Use these settings again (or just the prompt, or just the seed), for a generated image, and Edit. Callbacks,
    as image_make's buttons: the page leaves for Generate without drawing the dialog again."""
    if detail.generation is None:
        _edit_button(detail.image.id)
        return
    st.button(
        "Use these settings again",
        key="gallery.reuse",
        icon=":material/replay:",
        width="stretch",
        on_click=_reuse,
        args=(detail,),
    )
    for column, (label, part, hint) in zip(st.columns(2), REUSE_PARTS, strict=True):
        column.button(
            label, key=f"gallery.reuse_{part}", width="stretch", help=hint, on_click=_reuse, args=(detail, part)
        )
    _edit_button(detail.image.id)


def _edit_button(image_id: int) -> None:
    st.button(
        "Edit this image", key="gallery.edit", icon=":material/edit:", width="stretch", on_click=edit, args=(image_id,)
    )
