"""Account: your name (rectification), email from the provider, your initials, Generate defaults, and your sign-ins."""

from __future__ import annotations

import streamlit as st

from core.bootstrap import app_container
from core.domain import ASPECT_RATIOS, MAX_IMAGES_PER_JOB, OUTPUT_FORMATS, GenerationKind, Preferences
from core.errors import AtelierError
from core.services.drafts import DraftService
from pages.components.flash import flash
from pages.components.frame import ROLE_BADGES, avatar
from pages.components.generate_forms import FORMATS, forget_settings
from pages.components.guard import require_session
from pages.components.rename import save_name
from pages.components.safe_text import escape_markdown

signed_in = require_session()
user = signed_in.user
accounts = app_container().accounts
settings = app_container().settings

st.title("Account")

st.subheader("Profile")
with st.container(horizontal=True, vertical_alignment="center", gap="medium"):
    avatar(user.display_name or user.email, size=64)
    with st.container(gap=None):
        st.markdown(f"**{escape_markdown(user.display_name)}**")
        role = ROLE_BADGES.get(user.role)
        st.caption(("Role: " + role[0]) if role else "Role: User")
with st.form("account.profile"):
    name = st.text_input(
        "Display name", value=user.display_name, max_chars=accounts.max_name_chars, help="How Atelier addresses you."
    )
    st.text_input(
        "Email",
        value=user.email,
        disabled=True,
        help="From your sign-in provider. Change it there; Atelier picks it up at your next sign-in.",
    )
    if st.form_submit_button("Save name"):
        save_name(user, name)

st.subheader("Generate defaults")
st.caption("The Generate page starts from these.")
prefs = accounts.preferences(user)
models = app_container().generation.models(GenerationKind.TEXT_TO_IMAGE)
model_ids = [m.id for m in models]
labels = {m.id: m.label for m in models}
with st.form("account.preferences"):
    a, b = st.columns(2)
    model = a.selectbox(
        "Model",
        model_ids,
        index=model_ids.index(prefs.model) if prefs.model in model_ids else 0,
        format_func=labels.__getitem__,
    )
    ratio = b.selectbox("Aspect ratio", ASPECT_RATIOS, index=ASPECT_RATIOS.index(prefs.aspect_ratio))
    c, d = st.columns(2)
    fmt = c.radio(
        "Output format",
        [f for f in FORMATS if f in OUTPUT_FORMATS],
        format_func=FORMATS.__getitem__,
        index=list(OUTPUT_FORMATS).index(prefs.output_format),
        horizontal=True,
    )
    count = d.radio("Images per request", range(1, MAX_IMAGES_PER_JOB + 1), index=prefs.num_images - 1, horizontal=True)
    if st.form_submit_button("Save defaults"):
        try:
            accounts.save_preferences(user, Preferences(model or "", ratio, fmt, count))
            forget_settings()  # the Generate page starts from the new defaults
            app_container().of(DraftService).forget_settings(user)  # after a reload or in a new tab too
            flash("Defaults saved.")
            st.rerun()
        except AtelierError as exc:
            st.error(escape_markdown(str(exc)))

st.subheader("Recent sign-ins")
st.caption(
    f"When and from where your account was signed in. The network is shown to /24 (IPv4) or /48 (IPv6), "
    f"the browser coarsely; records are deleted after {settings.sign_in_retention_days} days. "
    f"A sign-in lasts at most {settings.session_max_days:g} days."
)
rows = accounts.recent_sign_ins(user, signed_in.session_key)
st.dataframe(
    [
        {
            "Time (UTC)": r.created_at.strftime("%Y-%m-%d %H:%M"),
            "Browser": r.browser,
            "System": r.os,
            "Network": r.ip_prefix or "local connection",
            "Status": "This browser" if r.current else ("Signed in" if r.active else "Ended"),
        }
        for r in rows
    ],
    hide_index=True,
    width="stretch",
)
others = sum(1 for r in rows if r.active and not r.current)
if st.button(
    "Sign out everywhere else",
    icon=":material/devices:",
    help="Every other browser and device signed in to your account is signed out on its next page load.",
):
    accounts.sign_out_everywhere_else(user, signed_in.session_key)
    flash("Every other sign-in has ended." if others else "Done. No other sign-in was active.")
    st.rerun()
