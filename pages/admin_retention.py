"""Admin → Retention: what the retention sweep deletes and after how long, "Run the sweep now" (audited, recorded
as the admin's), what that run did with a count per rule, and the recent runs."""

from __future__ import annotations

import streamlit as st

from core.bootstrap import app_container
from core.domain import Role
from core.domain.retention import RunStatus, RunView
from core.errors import AtelierError
from core.services.retention import RetentionService
from core.text import plural
from pages.components.guard import require_user

admin = require_user(Role.ADMIN)
service = app_container().of(RetentionService)
LAST_RUN = "admin.retention.last_run"  # the run this admin started, shown until they leave the page
STATUS = {
    RunStatus.RUNNING: "running",
    RunStatus.FINISHED: "finished",
    RunStatus.FAILED: "a rule failed (it runs again at the next sweep)",
    RunStatus.INTERRUPTED: "interrupted (the next run did its rules again)",
}


def _counts(run: RunView) -> str:
    done = [f"`{rule}` {count:,}" for rule, count in run.counts.items()]
    return " · ".join(done) if done else "no rule finished"


def _summary(run: RunView) -> str:
    by = "by an admin" if run.trigger == "admin" else "on schedule"
    return f"**{run.started_at:%Y-%m-%d %H:%M} UTC** · {by} · {STATUS[run.status]}"


st.title("Retention")
st.caption(
    "Data kept only for a while is deleted by the retention sweep, which the server runs every hour. Every run is "
    "recorded with what each rule did. Running it now does the same as the next scheduled run, and is logged."
)

st.subheader("What is deleted, and when", anchor=False)
for rule in service.describe():
    st.markdown(f"**`{rule.name}`**  \n{rule.description}")

if st.button("Run the sweep now", type="primary", icon=":material/cleaning_services:", key="admin.retention.run"):
    with st.spinner("Sweeping: each rule deletes what is due…"):
        try:
            st.session_state[LAST_RUN] = service.run_now(admin)
        except AtelierError as exc:
            st.error(str(exc))

last: RunView | None = st.session_state.get(LAST_RUN)
if last is not None:
    report = st.success if last.status == RunStatus.FINISHED else st.warning
    report(f"The sweep {STATUS[last.status]}: {plural(last.total, 'thing')} deleted or warned.")
    st.table({"Rule": list(last.counts), "Count": list(last.counts.values())})
    if last.error:
        st.caption(f"Failed: {last.error}")

st.subheader("Recent runs", anchor=False)
runs = service.runs(admin)
if not runs:
    st.info("The sweep has not run yet.")
for run in runs:
    with st.container(border=True):
        st.markdown(_summary(run))
        st.markdown(_counts(run))
        if run.error:
            st.caption(f"Failed: {run.error}")
