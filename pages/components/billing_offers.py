"""The Billing page's shop: a card per pack, the monthly plan or the plan you have, and the payment choice."""

from __future__ import annotations

import streamlit as st

from core.bootstrap import app_container
from core.domain import GenerationKind, ModelInfo, UserView
from core.domain.billing import PROVIDER_LABELS, Offer, OfferKind, PlanStatus
from core.errors import AtelierError
from core.pricing import credits_reach
from core.text import plural
from pages.components.media import absolute_url
from pages.components.redirect import redirect
from pages.components.safe_text import escape_markdown

REDIRECT_KEY = "billing.redirect"
TOKEN_KEY = "billing.token"


def provider_choice() -> str:
    """Stripe or Creem where both are configured; the one provider otherwise."""
    names = app_container().billing.provider_names()
    if len(names) == 1:
        return names[0]
    chosen = st.segmented_control(
        "Pay with",
        names,
        default=names[0],
        format_func=lambda n: PROVIDER_LABELS.get(n, n),
        key="billing.provider",
        required=True,
    )
    return str(chosen or names[0])


def packs(user: UserView, provider: str) -> None:
    offers = app_container().billing.offers(OfferKind.PACK, provider)
    st.subheader("Credit packs")
    if not offers:
        st.info("No credit packs are sold through this provider.")
        return
    columns = st.columns(len(offers))
    for column, offer in zip(columns, offers, strict=True):
        with column.container(border=True, height="stretch"):
            _card(offer, credits_reach(offer.credits, _engine_models()))
            if st.button(
                f"Buy · {offer.price}", key=_key(offer), type="primary", width="stretch", icon=":material/toll:"
            ):
                _buy(user, offer, provider)


def plan(user: UserView, provider: str) -> None:
    billing = app_container().billing
    st.subheader("Monthly plan")
    current = billing.plan(user)
    if current is not None:
        with st.container(border=True):
            st.markdown(f"**{escape_markdown(current.offer_name)}** · {current.price} a month")
            st.caption(
                f"{plural(current.credits, 'credit')} with each paid month, through "
                f"{PROVIDER_LABELS.get(current.provider, current.provider)}."
            )
            date = f"{current.period_end:%d %B %Y}" if current.period_end else "the end of the paid month"
            if current.status == PlanStatus.CANCELING:
                st.markdown(f":material/event_busy: Canceled: it ends on **{date}**. No further payments are taken.")
                return
            st.markdown(f":material/autorenew: Renews on **{date}**.")
            _cancel(user, date)
        return
    offers = billing.offers(OfferKind.PLAN, provider)
    if not offers:
        st.info("No monthly plan is sold through this provider.")
        return
    for offer in offers:
        with st.container(border=True):
            _card(offer, credits_reach(offer.credits, _engine_models(), per=" a month"), monthly=True)
            if st.button(f"Subscribe · {offer.price} a month", key=_key(offer), icon=":material/autorenew:"):
                _buy(user, offer, provider)


def follow_redirect() -> None:
    """After a buy: go to the provider's checkout (with a link in case the browser does not go)."""
    url = st.session_state.pop(REDIRECT_KEY, "")
    if not url:
        return
    st.info("Taking you to the secure checkout…", icon=":material/lock:")
    st.link_button("Continue to checkout", url, type="primary", icon=":material/open_in_new:")
    redirect(url, key="billing.redirect.go")
    st.stop()


def _engine_models() -> list[ModelInfo]:
    return app_container().generation.models(GenerationKind.TEXT_TO_IMAGE)


def _card(offer: Offer, reach: str, *, monthly: bool = False) -> None:
    """The offer, and what its credits buy with the engine in use (the model's name can hold [ ]: escaped)."""
    per = " a month" if monthly else ""
    st.markdown(f"**{escape_markdown(offer.name)}**")
    st.markdown(f"### {plural(offer.credits, 'credit')}{per}")
    st.markdown(f"{offer.price}{per}")
    if reach:
        st.markdown(escape_markdown(reach))
    if offer.description:
        st.caption(escape_markdown(offer.description))


def _key(offer: Offer) -> str:
    """The Buy button's key carries this rendering's token: after a purchase the token changes, so a second
    click already on its way (a double click) presses a button that no longer exists, and buys nothing."""
    token = st.session_state.setdefault(TOKEN_KEY, app_container().billing.new_token())
    return f"buy.{offer.id}.{token}"


def _buy(user: UserView, offer: Offer, provider: str) -> None:
    billing = app_container().billing
    token = st.session_state[TOKEN_KEY]
    try:
        outcome = billing.buy(user, offer.id, provider, absolute_url(""), token)
    except AtelierError as exc:
        st.session_state[TOKEN_KEY] = billing.new_token()
        st.error(str(exc), icon=":material/error:")
        return
    st.session_state[TOKEN_KEY] = billing.new_token()
    if outcome.redirect:
        st.session_state[REDIRECT_KEY] = outcome.redirect
    else:
        st.session_state["billing.outcome"] = (outcome.ok, outcome.message)
    st.rerun()


def _cancel(user: UserView, date: str) -> None:
    with st.popover("Cancel plan", icon=":material/cancel:"):
        st.markdown(
            f"Your plan stays active until **{date}**, and the credits you have stay yours. After that, "
            "no further payments are taken and no further credits are added."
        )
        if st.button("Cancel my plan", key="billing.cancel", type="primary"):
            try:
                message = app_container().billing.cancel_plan(user)
            except AtelierError as exc:
                st.error(str(exc), icon=":material/error:")
                return
            st.session_state["billing.outcome"] = (True, message)
            st.rerun()
