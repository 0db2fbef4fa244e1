"""The image view's "make more from this image" actions: Vary, Vary subtly, Upscale and Vary region (issue 22).

Each button carries its price and is disabled, with the reason beside it, when the engine has no model for it or
the balance does not cover it. A press submits through the normal path (quote = hold, one token per action and
image, so a double click makes one job), then opens the Generate page, where the new job runs in the feed.

The submit happens in the button's callback, before any script runs, then the page leaves for Generate
(to_generate): the dialog is not drawn again for a page that is leaving. A press repeated at once meets the job the
first made (repeat_press). (The "Cannot set a node at a delta path" that once stopped the Generate page after these
buttons came from Streamlit's cached-message references: .streamlit/config.toml, tests/unit/test_message_references.py.)
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
from pages.components.repeat_press import remember, token_for
from pages.components.safe_text import escape_markdown
from pages.components.to_generate import leave_for_generate

PRESS_KEY = "image_make.last_press"  # the latest press of an action: which action on which image, its token, when
ERROR_KEY = "image_make.error"  # a refusal, said by the dialog's run that follows the callback
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
        st.button(
            f"{label}{price}",
            key=f"gallery.make.{field}",
            icon=icon,
            width="stretch",
            disabled=bool(reason),
            help=reason or None,
            on_click=_submit,
            args=(image_id, field, partial(ACTIONS[field], service, user, image_id), done),
        )
        if reason:
            st.caption(escape_markdown(reason))
    _region(user, detail, offers.fill)
    if error := st.session_state.pop(ERROR_KEY, None):
        st.warning(escape_markdown(error))  # refusals can quote what the user typed


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


def _pressed(field: str, image_id: int) -> str:
    return f"{field}.{image_id}"


def _submit(image_id: int, field: str, action: Callable[[str], GenerationView], done: str) -> None:
    """A button's callback: the job, then the Generate page; a refusal is said in the dialog instead."""
    token = token_for(PRESS_KEY, _pressed(field, image_id), app_container().generation.new_token)
    try:
        action(token)
    except AtelierError as exc:
        st.session_state[ERROR_KEY] = str(exc)
        return
    remember(PRESS_KEY, _pressed(field, image_id), token)
    flash(done)
    leave_for_generate()


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
        image_id,
        "fill",
        lambda token: service.fill(user, image_id, mask_png, prompt, token),
        "The painted region is being redone.",
    )
