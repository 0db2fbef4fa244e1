"""Admin → Safety reviews: the images the automated safety check withheld that a user asked a person to review,
oldest first. Opening one shows the image and its prompt (and is audited); the reviewer releases it to the user's
gallery, charged only then, or confirms the block."""

from __future__ import annotations

import streamlit as st

from core.bootstrap import app_container
from core.domain import Role
from core.errors import AtelierError
from core.services.safety_review_views import OpenedReview
from core.services.safety_reviews import SafetyReviewService
from core.text import plural
from pages.components.flash import flash
from pages.components.guard import require_user
from pages.components.paging import current_cursor, pager
from pages.components.safe_text import escape_markdown

admin = require_user(Role.ADMIN)
service = app_container().of(SafetyReviewService)
OPENED = "admin.reviews.opened"  # the review on screen: opened once per click, so each look is audited once


def _open(review_id: int) -> None:
    try:
        st.session_state[OPENED] = service.open(admin, review_id)
    except AtelierError as exc:
        st.session_state.pop(OPENED, None)
        flash(str(exc))


def _close() -> None:
    st.session_state.pop(OPENED, None)


def _decide(review: OpenedReview, release: bool) -> None:
    try:
        if release:
            charged = service.release(admin, review.id)
            flash(f"Released to the user's gallery and charged {plural(charged, 'credit')}.")
        else:
            service.confirm_block(admin, review.id)
            flash("Block confirmed; the withheld image will be deleted.")
    except AtelierError as exc:
        flash(str(exc))
    _close()


st.title("Safety reviews")
st.caption(
    "Images the automated safety check withheld, sent to a person by their owner (or by their choice to have "
    "every block reviewed). Opening one shows the image and the prompt, and is written to the audit log. A "
    "released image goes to the owner's gallery and is charged only then; a confirmed block is deleted."
)
if service.check_note:
    st.caption(service.check_note)

opened: OpenedReview | None = st.session_state.get(OPENED)
if opened is not None:
    with st.container(border=True, key="admin.reviews.viewer"):
        st.subheader(f"Review #{opened.id} · user #{opened.user_id}", anchor=False)
        if opened.data is not None:
            st.image(opened.data, width=480, alt="The withheld image under review")
        else:
            st.info("The withheld image is no longer stored.")
        st.markdown("**Prompt**")
        st.text(opened.prompt)  # the user's words, shown as plain text
        st.caption(
            f"{opened.model} · withheld {opened.created_at:%Y-%m-%d %H:%M} UTC · "
            f"releasing charges {plural(opened.price, 'credit')}"
        )
        with st.container(horizontal=True, gap="small"):
            st.button(
                "Release",
                key="admin.reviews.release",
                type="primary",
                icon=":material/check:",
                on_click=_decide,
                args=(opened, True),
            )
            st.button(
                "Confirm block",
                key="admin.reviews.block",
                icon=":material/block:",
                on_click=_decide,
                args=(opened, False),
            )
            st.button("Close", key="admin.reviews.close", on_click=_close)

page = service.queue(admin, after_id=current_cursor("admin.reviews"))
if not page.items:
    st.info("No image is waiting for a review.")
else:
    st.subheader(f"Waiting ({page.total:,})", anchor=False)
    for item in page.items:
        asked = item.requested_at or item.created_at
        with st.container(horizontal=True, vertical_alignment="center", gap="small"):
            st.markdown(
                f"**Review #{item.id}** · user #{item.user_id} · {escape_markdown(item.model)} · "
                f"asked {asked:%Y-%m-%d %H:%M} UTC"
            )
            st.button("Open", key=f"admin.reviews.open.{item.id}", on_click=_open, args=(item.id,))
    pager("admin.reviews", page.next_cursor, page.total, service.page_size, labels=("← Earlier", "Later →"))
