"""The privacy centre's choices: training use, analytics, product emails and restriction of processing, each one
switch that takes effect at once, and the history of every change."""

from __future__ import annotations

import streamlit as st

from core.bootstrap import app_container
from core.domain import UserView
from core.domain.privacy import Purpose
from core.errors import AtelierError
from core.services.privacy import PrivacyService
from core.services.privacy_views import PURPOSE_TITLES
from pages.components.safe_text import escape_markdown

SAID_KEY = "privacy.consents.said"  # what the last switch did, said under the switches until the next one
# The switches of this section, each with the sentence that says what it does. (A person's review of automated
# decisions has its own switch, in the safety reviews section.)
SWITCHES = {
    Purpose.TRAINING: "Off unless you turn it on. On means you agree that Atelier may use the images you make "
    "to train image models. Turning it off withdraws that agreement: from then on they are not used.",
    Purpose.ANALYTICS: "On lets Atelier count how you use it (first-party, on this server, never shared) to "
    "improve it. Turning it off is an objection: from then on nothing about your usage is counted.",
    Purpose.PRODUCT_EMAIL: "On lets us email you news about Atelier. Turning it off is an objection: no product "
    "email is sent to you from then on. Messages about your account and your requests still come.",
    Purpose.RESTRICTION: "On freezes everything we do with your data: you cannot generate, and no analytics, "
    "training use or product email happens. Your data is kept, and you can still see, download, correct or "
    "delete it. Turning it off again is your own choice, and both are recorded.",
}


def render(user: UserView) -> None:
    service = app_container().of(PrivacyService)
    st.subheader("Your choices", anchor="choices")
    st.caption("Each switch takes effect at once. Turning one off is as easy as turning it on.")
    choices = service.choices(user)
    for purpose, sentence in SWITCHES.items():
        key = _key(purpose)
        st.session_state[key] = choices[purpose]  # what the database says, also after a change in another tab
        st.toggle(PURPOSE_TITLES[purpose], key=key, on_change=_changed, args=(user, purpose))
        st.caption(sentence)
    if said := st.session_state.get(SAID_KEY):
        st.success(said, icon=":material/check:")
    _history(service, user)


def _changed(user: UserView, purpose: Purpose) -> None:
    granted = bool(st.session_state[_key(purpose)])
    try:
        app_container().of(PrivacyService).set_choice(user, purpose, granted)
    except AtelierError as exc:
        st.session_state[SAID_KEY] = ""
        st.error(escape_markdown(str(exc)))
        return
    said = f"Saved: {PURPOSE_TITLES[purpose]} is {'on' if granted else 'off'}."
    if purpose == Purpose.RESTRICTION:
        said = "Saved: processing is restricted." if granted else "Saved: the restriction is lifted."
    st.session_state[SAID_KEY] = said  # said once, beside the switches (a toast as well would say it twice)


def _history(service: PrivacyService, user: UserView) -> None:
    with st.expander("History of your choices"):
        changes = service.consent_history(user)
        if not changes:
            st.markdown("No changes yet: every choice is at its default, off.")
            return
        st.dataframe(
            [
                {
                    "Time (UTC)": c.at.strftime("%Y-%m-%d %H:%M:%S"),
                    "Choice": c.title,
                    "Set to": "On" if c.granted else "Off",
                    "Policy version": c.policy_version,
                    "Where": c.source.replace("_", " "),
                }
                for c in changes
            ],
            hide_index=True,
            width="stretch",
        )


def _key(purpose: Purpose) -> str:
    return f"privacy.consent.{purpose.value}"
