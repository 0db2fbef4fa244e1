"""The privacy centre's "Delete my account": what goes, what stays and why, before you confirm with your address;
then the date, the reference and its receipt to keep, and the way back during the grace period."""

from __future__ import annotations

import streamlit as st

from core.bootstrap import app_container
from core.domain import UserView
from core.errors import ValidationError
from core.services.erasure import ErasureService
from core.services.erasure_views import ScheduledErasure
from core.text import plural
from core.web.erasure_routes import receipt_url
from pages.components.flash import flash
from pages.components.safe_text import escape_markdown


def render(user: UserView) -> None:
    st.subheader("Delete my account", anchor="delete-account")
    service = app_container().of(ErasureService)
    scheduled = service.scheduled(user)
    if scheduled is not None:
        _scheduled(user, scheduled, service)
        return
    grace = plural(service.grace_days, "day")
    st.write(
        f"Your account, your images and their prompts, your sign-ins, settings, consents and requests are deleted, "
        f"here and at fal.ai. You have **{grace}** to change your mind: sign in during that time and keep your "
        "account. Then it is gone for good, and you receive a receipt of what was deleted."
        if service.grace_days
        else "Your account, your images and their prompts, your sign-ins, settings, consents and requests are "
        "deleted, here and at fal.ai, within a minute of confirming. You receive a receipt of what was deleted."
    )
    kept = service.kept()
    if kept:
        st.markdown("**What stays, with nothing that names you:**")
        st.markdown("\n".join(f"- {escape_markdown(k.holds)}: {escape_markdown(k.reason.rstrip('.'))}." for k in kept))
    with st.form("privacy.erasure.form", border=True):
        typed = st.text_input(
            "Type your account's email address to confirm", placeholder=user.email, key="privacy.erasure.email"
        )
        confirmed = st.form_submit_button(
            "Delete my account", type="primary", icon=":material/delete_forever:", key="privacy.erasure.confirm"
        )
    if not confirmed:
        return
    try:
        done = service.schedule(user, typed)
    except ValidationError as exc:
        st.error(escape_markdown(str(exc)), icon=":material/error:")
        return
    flash(f"Your account is scheduled for deletion on {done.erase_after:%d %B %Y}.")
    st.rerun()


def _scheduled(user: UserView, scheduled: ScheduledErasure, service: ErasureService) -> None:
    if scheduled.running:
        st.info("Your account is being deleted now.", icon=":material/hourglass_top:")
        return
    st.warning(
        f"Your account is scheduled for deletion on **{scheduled.erase_after:%d %B %Y at %H:%M} UTC**. "
        f"Its reference is **{scheduled.reference}**.",
        icon=":material/event_busy:",
    )
    st.caption(
        "Keep the reference: once the account is gone, its receipt (counts only, nothing that names you) stays at "
        f"`{receipt_url(scheduled.reference)}`."
    )
    keep, download = st.columns(2)
    if keep.button("Keep my account", key="privacy.erasure.cancel", type="primary", icon=":material/undo:"):
        service.cancel(user)
        flash("Your account is kept: the deletion is canceled.")
        st.rerun()
    download.download_button(
        "Download the reference",
        service.receipt(scheduled.reference).as_json(),
        file_name=f"atelier-erasure-{scheduled.reference}.json",
        mime="application/json",
        key="privacy.erasure.download",
        icon=":material/download:",
    )
