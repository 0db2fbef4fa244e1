"""The Generate page's results feed: the latest job right under the prompt bar, then the recent ones.

It reads the jobs from the database, so a reload or a new tab shows the same feed. It never moves a job: a
worker does (core/worker/). While a job is in flight, a fragment reads the feed again, four times a second in a
job's first seconds (a fast engine is done by then) and once a second after that: a placeholder tile per
requested image with its state and elapsed time, replaced by the images when they arrive.
"""

from __future__ import annotations

from functools import partial

import streamlit as st

from core.bootstrap import app_container
from core.domain import GenerationKind, GenerationView, JobStatus, UserView
from core.domain.reuse import edit_draft, reuse_draft
from core.domain.url_params import IMAGE
from core.domain.variations import vary_refusal
from core.errors import NotFoundError
from core.services.safety_reviews import SafetyReviewService
from core.text import plural
from pages.components.generate_forms import set_draft
from pages.components.guard import current_user
from pages.components.image_grid import VARY, image_grid
from pages.components.image_make import vary_now
from pages.components.job_tiles import IMAGE_ACTIONS, elapsed, image_tiles, placeholder_tiles
from pages.components.media import image_alt, show_image
from pages.components.safe_text import escape_markdown

FEED_SIZE = 8  # room for the jobs in flight (MAX_JOBS_IN_FLIGHT, 4 by default) and the latest finished ones
FAST_TICK, SLOW_TICK = 0.25, 1.0  # seconds between the feed's reads while a job is in flight
FAST_FOR_SECONDS = 4.0  # a job this young is read at the fast tick
OPEN_KEY = "feed.open"  # a tile clicked: open it in the gallery's lightbox
REFRESH_KEY = "feed.refresh"  # a tile's action filled the prompt bar, which lies outside the fragment
BEFORE_AFTER = (GenerationKind.EDIT, GenerationKind.FILL)  # a result shown beside the image it changed
STATE_LABELS = {
    JobStatus.QUEUED: "Queued",
    JobStatus.RUNNING: "Running",
    JobStatus.SUCCEEDED: "Done",
    JobStatus.FAILED: "Failed",
    JobStatus.CANCELED: "Canceled",
}
STATE_ICONS = {
    JobStatus.QUEUED: ":material/hourglass_top:",
    JobStatus.RUNNING: ":material/progress_activity:",
    JobStatus.SUCCEEDED: ":material/check_circle:",
    JobStatus.FAILED: ":material/error:",
    JobStatus.CANCELED: ":material/cancel:",
}


def results_feed(user: UserView) -> None:
    """Always one fragment, empty feed or not, so the first job takes the empty feed's place instead of moving it."""
    jobs = app_container().generation.recent(user, FEED_SIZE)
    in_flight = _in_flight(jobs)
    fast = _young(jobs)
    tick = (FAST_TICK if fast else SLOW_TICK) if in_flight else None
    st.fragment(run_every=tick)(_feed)(user, in_flight, fast)


def _in_flight(jobs: list[GenerationView]) -> frozenset[str]:
    return frozenset(job.id for job in jobs if job.status.in_flight)


def _young(jobs: list[GenerationView]) -> bool:
    now = app_container().generation.clock()
    return any(job.status.in_flight and (now - job.created_at).total_seconds() < FAST_FOR_SECONDS for job in jobs)


def _feed(user: UserView, was_in_flight: frozenset[str], was_fast: bool = False) -> None:
    if current_user() is None:  # signed out in another tab while this one kept polling
        st.rerun()
    if (opened := st.session_state.pop(OPEN_KEY, None)) is not None:
        st.switch_page("pages/gallery.py", query_params=IMAGE.write(IMAGE.parse(str(opened))))
    if st.session_state.pop(REFRESH_KEY, False):
        st.rerun()
    jobs = app_container().generation.recent(user, FEED_SIZE)  # one read: the worker moves the jobs
    if not jobs:
        with st.container(border=True, key="feed.empty"):
            st.markdown(
                "**Your images will appear here.** Describe a picture above and press **Generate**; "
                "each image takes a few seconds."
            )
        return
    if was_in_flight - _in_flight(jobs):
        # A job just ended: one full rerun, so the balance and the button catch up (and the timer stops).
        st.rerun()
    if was_fast and not _young(jobs):
        st.rerun()  # past a job's first seconds: one full rerun sets the slower tick
    # The latest job and every job still in flight come first, newest first, each with its own Cancel; each job
    # keeps its own keyed container, so its elements stay the same ones as it moves from running to done.
    latest, *rest = jobs
    current = [latest, *(job for job in rest if job.status.in_flight)]
    older = [job for job in rest if not job.status.in_flight]
    with st.container(key="feed.latest"):
        for n, job in enumerate(current):
            with st.container(key=f"feed.job.{job.id}"):
                _job(user, job, row_height=240 if n == 0 else 160)
    if older:
        st.subheader("Recent", anchor=False)
        for job in older:
            with st.container(key=f"feed.job.{job.id}"):
                _job(user, job, row_height=130)


def _job(user: UserView, job: GenerationView, *, row_height: int) -> None:
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        st.markdown(f"{STATE_ICONS[job.status]} **{STATE_LABELS[job.status]}** · {_elapsed(job)}")
        st.markdown(f"{escape_markdown(_excerpt(job.prompt))}", width="stretch")
        if job.status.in_flight and st.button("Cancel", key=f"feed.cancel.{job.id}", icon=":material/close:"):
            app_container().generation.cancel(user, job.id)
            st.rerun()
    if job.status.in_flight and job.status_message:
        # The queue position, then the model's own last log lines (plain text: they come from the engine).
        st.text(job.status_message)
    if job.status_message and not job.status.in_flight:
        # Status messages can quote the user's own words (an instruction the engine refused).
        notice = st.error if job.status == JobStatus.FAILED else st.info
        notice(escape_markdown(job.status_message))
    if job.blocked and not job.status.in_flight:
        _withheld(user, job)
    if job.status == JobStatus.SUCCEEDED and job.kind in BEFORE_AFTER and job.images:
        _before_after(user, job)
        return
    if job.status.in_flight:
        items = placeholder_tiles(job, app_container().generation.clock())
    else:
        items = image_tiles(job.images, job.num_images, _tile_actions(job))
    if items:
        image_grid(
            items,
            key=f"feed.grid.{job.id}",
            row_height=row_height,
            on_open=_open,
            on_action=partial(_act, user, job),
        )
    if job.status == JobStatus.SUCCEEDED:
        st.caption(f"Charged {plural(job.charged, 'credit')}.")


def _before_after(user: UserView, job: GenerationView) -> None:
    """An edit's result beside the image it started from."""
    after = job.images[0]
    before = None
    if job.parent_image_id is not None:
        try:
            before = app_container().gallery.detail(user, job.parent_image_id).image
        except NotFoundError:  # the source was deleted since
            before = None
    with st.container(horizontal=True, gap="medium", key=f"feed.compare.{job.id}"):
        if before is not None:
            with st.container(gap="small"):
                st.markdown("**Before**")
                show_image(before.preview_url, alt=f"Before: {image_alt(before)}")
        with st.container(gap="small"):
            st.markdown("**After**")
            show_image(after.preview_url, alt=f"After: {image_alt(after)}")
    with st.container(horizontal=True, gap="small"):
        st.link_button("Download", after.download_url, icon=":material/download:")
        st.button("Open in gallery", key=f"feed.open_edit.{job.id}", on_click=_open, args=(str(after.id),))
        st.caption(f"Charged {plural(job.charged, 'credit')}.")


def _withheld(user: UserView, job: GenerationView) -> None:
    """What the safety check withheld can go to a person, who releases it (charged only then) or not."""
    reviews = app_container().of(SafetyReviewService).for_job(user, job.id)
    if any(review.may_request for review in reviews):
        st.button(
            "Ask a person to review",
            key=f"feed.review.{job.id}",
            icon=":material/person_search:",
            help="A person looks at what was withheld and releases it to your gallery (charged only then) or "
            "confirms the block. You will see the outcome here and in Privacy.",
            on_click=_ask_review,
            args=(user, job.id),
        )
    elif reviews:
        st.caption(" ".join(sorted({review.outcome for review in reviews})))


def _ask_review(user: UserView, job_id: str) -> None:
    sent = app_container().of(SafetyReviewService).request_job_review(user, job_id)
    st.toast(f"Sent {plural(sent, 'image')} to a person for review.", icon=":material/person_search:")


def _open(image_id: str) -> None:
    st.session_state[OPEN_KEY] = image_id


def _act(user: UserView, job: GenerationView, image_id: str, action: str) -> None:
    image = next((i for i in job.images if str(i.id) == image_id), None)
    if image is None:
        return
    if action == "open":
        _open(image_id)
    elif action in ("reuse", "edit"):
        set_draft(reuse_draft(job, image) if action == "reuse" else edit_draft(image.id))
        st.session_state[REFRESH_KEY] = True
    elif action == VARY:
        vary_now(user, image.id)
        st.session_state[REFRESH_KEY] = True


def _tile_actions(job: GenerationView) -> tuple[str, ...]:
    """Vary where the job can be made again with a new seed (not an upscale or a region fill)."""
    return IMAGE_ACTIONS if not vary_refusal(job) else tuple(a for a in IMAGE_ACTIONS if a != VARY)


def _elapsed(job: GenerationView) -> str:
    now = app_container().generation.clock()
    if job.status.in_flight:
        return elapsed(job, now)
    if job.finished_at is None:
        return f"{job.created_at:%Y-%m-%d %H:%M} UTC"
    return f"took {elapsed(job, now)}"


def _excerpt(prompt: str, limit: int = 140) -> str:
    text = " ".join(prompt.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
