"""The privacy centre's shared links: every live public link to one of your images, each revocable, and all at
once."""

from __future__ import annotations

import streamlit as st

from core.bootstrap import app_container
from core.domain import UserView
from core.services.shares import ShareService
from core.text import plural
from pages.components.flash import flash
from pages.components.media import show_image
from pages.components.share_links import describe, full_link

REVOKE_KEY = "privacy.shares.revoke"  # + the share's id
REVOKE_ALL_KEY = "privacy.shares.revoke_all"
THUMB_PX = 72


def render(user: UserView) -> None:
    service = app_container().of(ShareService)
    st.subheader("Shared links", anchor="shares")
    shares = service.list_for_user(user)
    if not shares:
        st.caption("None of your images is shared. To share one, open it in the Gallery and choose Share….")
        return
    st.caption(
        f"{plural(len(shares), 'public link')} to your images. Anyone with a link sees that picture (and its prompt, "
        "where you chose so) without signing in. Revoking a link stops it at once."
    )
    for share in shares:
        thumb, text, revoke = st.columns([1, 6, 2], vertical_alignment="center")
        with thumb:
            show_image(share.thumb_url, alt="The shared image", width=THUMB_PX)
        with text:
            st.code(full_link(share), language=None, wrap_lines=True)
            st.caption(describe(share))
        revoke.button("Revoke", key=f"{REVOKE_KEY}.{share.id}", on_click=_revoke, args=(user, share.id))
    if st.button("Revoke all", key=REVOKE_ALL_KEY, icon=":material/link_off:"):
        ended = service.revoke_all(user)
        flash(f"Revoked {plural(ended, 'link')}: they no longer work.")
        st.rerun()


def _revoke(user: UserView, share_id: int) -> None:
    app_container().of(ShareService).revoke(user, share_id)
    flash("Link revoked: it no longer works.")
