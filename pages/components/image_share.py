"""The image view's sharing panel: a public link per image, opt-in and revocable, with or without its prompt."""

from __future__ import annotations

import streamlit as st

from core.bootstrap import app_container
from core.domain import UserView
from core.errors import AtelierError, NotFoundError
from core.services.gallery import ImageDetail
from core.services.shares import ShareService
from pages.components.safe_text import escape_markdown
from pages.components.share_links import describe, full_link

PROMPT_KEY = "gallery.share.with_prompt"
CREATE_KEY = "gallery.share.create"
REVOKE_KEY = "gallery.share.revoke"  # + the share's id
ABOUT = (
    "Anyone with the link sees this picture, without signing in; nothing else of yours. "
    "Revoke it here or in Privacy, at any time: it stops working at once."
)


def share_panel(user: UserView, detail: ImageDetail) -> None:
    """ "Share…": make a link (the prompt only when asked), copy it, and revoke this image's links."""
    image = detail.image
    has_prompt = detail.generation is not None and bool(detail.generation.prompt.strip())
    with st.expander("Share…", icon=":material/share:"):
        st.caption(ABOUT)
        with_prompt = has_prompt and st.toggle(
            "Include the prompt", key=PROMPT_KEY, help="Off: the page shows the picture alone."
        )
        if st.button("Create link", key=CREATE_KEY, icon=":material/add_link:", width="stretch"):
            try:
                app_container().of(ShareService).create(user, image.id, with_prompt)
            except NotFoundError:
                st.warning("This image is no longer in your gallery.")
            except AtelierError as exc:  # processing restricted: the reason and what to do
                st.warning(escape_markdown(str(exc)))
        for share in app_container().of(ShareService).list_for_image(user, image.id):
            st.code(full_link(share), language=None, wrap_lines=True)
            text, revoke = st.columns([3, 1], vertical_alignment="center")
            text.caption(describe(share))
            revoke.button(
                "Revoke", key=f"{REVOKE_KEY}.{share.id}", on_click=_revoke, args=(user, share.id), width="stretch"
            )


def _revoke(user: UserView, share_id: int) -> None:
    app_container().of(ShareService).revoke(user, share_id)
    st.toast("Link revoked: it no longer works.", icon=":material/link_off:")
