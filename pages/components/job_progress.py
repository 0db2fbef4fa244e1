"""The progress display of one generation job: a fragment that polls until the job ends."""

from __future__ import annotations

import streamlit as st

from core.bootstrap import app_container
from core.domain import GenerationView, JobStatus, UserView
from core.errors import NotFoundError
from core.text import plural
from pages.components.guard import current_user
from pages.components.media import show_image
from pages.components.safe_text import escape_markdown

STATE_LABELS = {
    JobStatus.QUEUED: "Queued",
    JobStatus.RUNNING: "Running",
    JobStatus.SUCCEEDED: "Done",
    JobStatus.FAILED: "Failed",
    JobStatus.CANCELED: "Canceled",
}


def latest_job(user: UserView) -> GenerationView | None:
    """The job this session last submitted, if it still exists."""
    job_id = st.session_state.get("generate.job_id")
    if job_id is None:
        return None
    try:
        return app_container().generation.status(user, job_id)
    except NotFoundError:
        st.session_state.pop("generate.job_id", None)
        return None


def job_progress(user: UserView, job: GenerationView) -> None:
    # Poll only while the job is in flight; a finished job needs no timer.
    in_flight = job.status.in_flight
    st.fragment(run_every=1.0 if in_flight else None)(_panel)(user, job.id, in_flight)


def _panel(user: UserView, job_id: str, was_in_flight: bool) -> None:
    if current_user() is None:  # signed out in another tab while this one kept polling
        st.rerun()
    service = app_container().generation
    view = service.poll(user, job_id)
    if was_in_flight and not view.status.in_flight:
        # The job just ended: one full rerun, so the balance and the Generate button catch up
        # and the timer stops.
        st.rerun()
    with st.container(border=True):
        _status_line(view)
        if view.status.in_flight and st.button("Cancel", key="generate.cancel"):
            service.cancel(user, job_id)
            st.rerun()
        if view.status == JobStatus.SUCCEEDED:
            columns = st.columns(min(len(view.images), 4) or 1)
            for column, image in zip(columns, view.images):
                with column:
                    show_image(image.original_url, caption=f"{image.width}×{image.height}")
            st.page_link("pages/gallery.py", label="See them in your gallery", icon=":material/photo_library:")


def _status_line(view: GenerationView) -> None:
    # Status messages can quote the user's own words (an instruction the engine refused).
    label, message = STATE_LABELS[view.status], escape_markdown(view.status_message)
    if view.status == JobStatus.QUEUED:
        st.progress(0.0, text=f"{label}: {message}")
    elif view.status == JobStatus.RUNNING:
        st.progress(min(max(view.progress, 0.0), 1.0), text=f"{label}: {message}")
    elif view.status == JobStatus.SUCCEEDED:
        st.success(f"{label}. {message + ' ' if message else ''}Charged {plural(view.charged, 'credit')}.")
    elif view.status == JobStatus.FAILED:
        st.error(f"{label}. {message}")
    else:
        st.warning(f"{label}. {message}")
