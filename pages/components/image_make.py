"""The image view's "make more from this image" actions: Vary, Vary subtly, Upscale and Vary region (issue 22).

Each button carries its price and is disabled, with the reason beside it, when the engine has no model for it or
the balance does not cover it. A press submits through the normal path (quote = hold, one token per action and
image, so a double click makes one job), then opens the Generate page, where the new job runs in the feed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import streamlit as st

from core.bootstrap import app_container
from core.domain import GenerationView, UserView
from core.errors import AtelierError
from core.services.gallery import ImageDetail
from core.services.variations import Offer, VariationService
from core.text import plural
from pages.components.flash import flash
from pages.components.region_editor import region_editor
from pages.components.safe_text import escape_markdown

GENERATE_PAGE = "pages/generate.py"
SUBMITTED_KEY = "image_make.submitted"  # a job was made from this view: go to the Generate page
ERROR_KEY = "image_make.error"  # a refusal said on the next run (a region's submit may come from a callback)
Action = Callable[[VariationService, UserView, int, str], GenerationView]
BUTTONS: tuple[tuple[str, str, str, str], ...] = (  # offer field, label, icon, what the toast says
    ("vary", "Vary", ":material/shuffle:", "New images with the same settings are on their way."),
    ("subtle", "Vary subtly", ":material/blur_on:", "A subtle variation is on its way."),
    ("upscale", "Upscale 2×", ":material/open_in_full:", "The upscaled image is on its way."),
)
ACTIONS: dict[str, Action] = {
    "vary": lambda s, u, i, t: s.vary(u, i, t),
    "subtle": lambda s, u, i, t: s.vary_subtly(u, i, t),
    "upscale": lambda s, u, i, t: s.upscale(u, i, t),
}


def make_more(user: UserView, detail: ImageDetail) -> None:
    """Vary, Vary subtly and Upscale with their prices, and Vary region's brush in an expander."""
    image_id = detail.image.id
    service = app_container().of(VariationService)
    offers = service.offers(user, image_id)
    for field, label, icon, done in BUTTONS:
        offer: Offer = getattr(offers, field)
        reason = _reason(user, offer)
        price = f" · {plural(offer.credits, 'credit')}" if offer.available else ""
        pressed = st.button(
            f"{label}{price}",
            key=f"gallery.make.{field}",
            icon=icon,
            width="stretch",
            disabled=bool(reason),
            help=reason or None,
        )
        if reason:
            st.caption(escape_markdown(reason))
        elif pressed:
            _submit(user, image_id, field, partial(ACTIONS[field], service, user, image_id), done)
    _region(user, detail, offers.fill)
    if error := st.session_state.pop(ERROR_KEY, None):
        st.warning(escape_markdown(error))  # refusals can quote what the user typed
    if st.session_state.get(SUBMITTED_KEY):
        # A full run goes to Generate (go_to_generate, at the gallery page's top), not this dialog's fragment run:
        # a page switched from inside the fragment left its deltas aimed at a dialog that was gone (Streamlit's
        # "Cannot set a node at a delta path", and no switch), seen once in a clean CI run after Vary region.
        st.rerun()


def go_to_generate() -> None:
    """Where a job was just made from the image view, the page run goes to Generate before drawing anything."""
    if st.session_state.pop(SUBMITTED_KEY, False):
        st.switch_page(GENERATE_PAGE)


def vary_now(user: UserView, image_id: int) -> bool:
    """Vary from a tile (the Generate page's feed): the job joins the feed; a refusal is said as a toast."""
    service = app_container().of(VariationService)
    try:
        service.vary(user, image_id, service.generation.new_token())
    except AtelierError as exc:
        st.toast(escape_markdown(str(exc)), icon=":material/block:")
        return False
    st.toast("New images with the same settings are on their way.", icon=":material/shuffle:")
    return True


def _reason(user: UserView, offer: Offer) -> str:
    if offer.refusal:
        return offer.refusal
    return app_container().credits.shortfall(user.balance, offer.credits)


def _token(field: str, image_id: int) -> str:
    """One token per action and image until its job exists: a repeated press returns that same job."""
    key = f"image_make.token.{field}.{image_id}"
    return str(st.session_state.setdefault(key, app_container().generation.new_token()))


def _submit(user: UserView, image_id: int, field: str, action: Callable[[str], GenerationView], done: str) -> None:
    try:
        action(_token(field, image_id))
    except AtelierError as exc:
        st.session_state[ERROR_KEY] = str(exc)
        return
    st.session_state.pop(f"image_make.token.{field}.{image_id}", None)
    flash(done)
    st.session_state[SUBMITTED_KEY] = True


def _region(user: UserView, detail: ImageDetail, offer: Offer) -> None:
    reason = _reason(user, offer)
    title = "Vary region" + (f" · {plural(offer.credits, 'credit')}" if offer.available else "")
    with st.expander(title, icon=":material/brush:"):
        if reason:
            st.caption(escape_markdown(reason))
            return
        st.caption("Paint over the part to change, then say what goes there.")
        region_editor(
            detail.image,
            on_submit=partial(_fill, user, detail.image.id),
            key=f"gallery.region.{detail.image.id}",
        )


def _fill(user: UserView, image_id: int, mask_png: bytes, prompt: str) -> None:
    service = app_container().of(VariationService)
    _submit(
        user,
        image_id,
        "fill",
        lambda token: service.fill(user, image_id, mask_png, prompt, token),
        "The painted region is being redone.",
    )
