"""The privacy centre's "Automated decisions" section: the choice to have a person review every safety block,
and the user's withheld images with where each review stands."""

from __future__ import annotations

import streamlit as st

from core.bootstrap import app_container
from core.domain import UserView
from core.domain.url_params import IMAGE
from core.errors import AtelierError
from core.services.safety_review_views import ReviewStatus, ReviewView
from core.services.safety_reviews import SafetyReviewService
from pages.components.flash import flash
from pages.components.safe_text import escape_markdown

SWITCH = "privacy.reviews.human"
LABELS = {
    ReviewStatus.WITHHELD: "Withheld",
    ReviewStatus.PENDING: "Waiting for review",
    ReviewStatus.RELEASED: "Released",
    ReviewStatus.BLOCKED: "Block confirmed",
}
ICONS = {
    ReviewStatus.WITHHELD: ":material/visibility_off:",
    ReviewStatus.PENDING: ":material/hourglass_top:",
    ReviewStatus.RELEASED: ":material/check_circle:",
    ReviewStatus.BLOCKED: ":material/block:",
}


def render(user: UserView) -> None:
    service = app_container().of(SafetyReviewService)
    st.subheader("Automated decisions", anchor="automated")
    st.toggle(
        "Always have a person review safety blocks",
        value=service.human_review(user),
        key=SWITCH,
        on_change=_switch,
        args=(service, user),
    )
    st.caption(
        "When this is on, every image the automated safety check withholds goes straight to a person, who releases "
        "it to your gallery (charged only then) or confirms the block; when it is off, a block stands unless you "
        "ask for a review below. Withheld images nobody asked about are deleted after a while."
    )
    if service.check_note:
        st.caption(service.check_note)
    reviews = service.mine(user)
    if not reviews:
        st.caption("The safety check has withheld none of your images.")
        return
    for review in reviews:
        _review(service, user, review)


def _review(service: SafetyReviewService, user: UserView, review: ReviewView) -> None:
    with st.container(border=True, key=f"privacy.review.{review.public_id}"):
        when = review.decided_at or review.requested_at or review.created_at
        st.markdown(
            f"{ICONS[review.status]} **{LABELS[review.status]}** · {when:%Y-%m-%d %H:%M} UTC · "
            f"image {review.position + 1} of “{escape_markdown(_excerpt(review.prompt))}”"
        )
        st.caption(review.outcome)
        if review.may_request:
            st.button(
                "Ask a person to review",
                key=f"privacy.review.ask.{review.public_id}",
                icon=":material/person_search:",
                on_click=_ask,
                args=(service, user, review.public_id),
            )
        elif review.status == ReviewStatus.RELEASED and review.image_id is not None:
            if st.button("Open in gallery", key=f"privacy.review.open.{review.public_id}", icon=":material/image:"):
                st.switch_page("pages/gallery.py", query_params=IMAGE.write(review.image_id))


def _switch(service: SafetyReviewService, user: UserView) -> None:
    on = bool(st.session_state[SWITCH])
    try:
        service.set_human_review(user, on)
    except AtelierError as exc:
        flash(str(exc))
        return
    flash("Every safety block will go to a person." if on else "Safety blocks will stand unless you ask.")


def _ask(service: SafetyReviewService, user: UserView, public_id: str) -> None:
    try:
        service.request_review(user, public_id)
    except AtelierError as exc:
        flash(str(exc))
        return
    flash("Sent to a person for review. You will see the outcome here.")


def _excerpt(prompt: str, limit: int = 80) -> str:
    text = " ".join(prompt.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
