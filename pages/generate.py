"""Generate: create images from a prompt or edit one, see the cost first, and follow the job."""

from __future__ import annotations

import streamlit as st

from core.bootstrap import app_container
from core.domain import GenerationKind
from core.errors import AtelierError
from pages.components.generate_forms import apply_fresh_draft, create_form, edit_form
from pages.components.guard import require_user
from pages.components.job_progress import job_progress, latest_job
from pages.components.safe_text import escape_markdown

user = require_user()
service = app_container().generation
st.title("Generate")
if not service.engine_is_ai:
    st.info(
        "**Offline engine.** It draws an abstract composition from the words and colours in your prompt, "
        "and carries out edits with Pillow from a fixed vocabulary. **It is not an AI model.**",
        icon=":material/info:",
    )

# One token per rendering of the form; it becomes the job's id, so a double submit is a no-op.
# It is renewed only once the job it created has ended.
job = latest_job(user)
token = st.session_state.setdefault("generate.token", service.new_token())
busy = job is not None and job.id == token and job.status.in_flight
if job is not None and job.id == token and not busy:
    token = st.session_state["generate.token"] = service.new_token()

apply_fresh_draft()
modes = {"Create": GenerationKind.TEXT_TO_IMAGE, "Edit": GenerationKind.EDIT}
st.session_state.setdefault("generate.mode", "Create")
mode = st.segmented_control("Mode", list(modes), key="generate.mode") or "Create"

try:
    form = create_form(user, busy) if modes[mode] == GenerationKind.TEXT_TO_IMAGE else edit_form(user, busy)
    if form is not None:
        view = service.submit(user, form, token)
        st.session_state["generate.job_id"] = view.id
        st.rerun()
except AtelierError as exc:
    st.error(escape_markdown(str(exc)))  # refusals can quote what the user typed

if job is not None:
    st.subheader("Latest job")
    job_progress(user, job)
