"""Generate: a compact prompt bar at the top, the results right under it, the recent jobs below."""

from __future__ import annotations

import streamlit as st

from core.bootstrap import app_container
from core.errors import AtelierError
from pages.components.frame import page_link
from pages.components.generate_draft import restore_draft, save_draft
from pages.components.generate_forms import mode_picker, prompt_bar
from pages.components.generate_styles import styled
from pages.components.generate_token import TOKEN_KEY, remember_submit, same_click_token
from pages.components.guard import require_user
from pages.components.results_feed import results_feed
from pages.components.safe_text import escape_markdown

user = require_user()
service = app_container().generation

with st.container(horizontal=True, vertical_alignment="center", gap="small"):
    st.title("Generate", anchor=False, width="content")
    if not service.engine_is_ai:
        st.badge(
            "Offline engine: not an AI model",
            icon=":material/info:",
            color="gray",
            help="It draws an abstract composition from the words and colours in your prompt, and carries "
            "out edits with Pillow from a fixed vocabulary.",
        )
if service.notice:
    st.warning(service.notice, icon=":material/cloud_off:")
restricted = service.refusal(user)  # said before the user tries; submit refuses it too
if restricted:
    st.warning(restricted, icon=":material/block:")
    page_link("pages/privacy.py", "Lift the restriction in Privacy", icon=":material/shield_person:")

# One token per submit: it becomes the job's id, so the same submit twice is one job. It is renewed as soon as
# a job is made, so the bar is ready for the next prompt at once (up to the limit of jobs in flight).
token = st.session_state.setdefault(TOKEN_KEY, service.new_token())
paused = "Generation is paused while processing of your data is restricted."
blocked = paused if restricted else service.limit_reason(user)

# One keyed container for the form: what comes and goes in it (a picker folding, a refusal, why the button waits)
# never moves the feed below it. Streamlit matches a rerun's elements to the last run's by their place, and shows
# the old ones faded until the run ends: a moved feed would flash a faded copy of the form in its place.
with st.container(key="generate.form"):
    restore_draft(user)  # a reload or a new tab starts from the prompt and settings kept in the database
    kind = mode_picker()
    try:
        form = prompt_bar(user, kind, blocked)
        if form is not None:
            form = styled(form)  # the chosen style's prompt around the typed words
            # The token is spent before the submit: a run cut short by the next click (fast reruns) must not leave
            # it for that click's form, which would then meet this job and be lost.
            submit_token = same_click_token(form, token)
            remember_submit(form, submit_token)
            st.session_state[TOKEN_KEY] = service.new_token()
            service.submit(user, form, submit_token)
            save_draft(user)
            st.rerun()
    except AtelierError as exc:
        st.error(escape_markdown(str(exc)))  # refusals can quote what the user typed
    save_draft(user)  # only when the prompt or a setting changed since the last save

results_feed(user)
