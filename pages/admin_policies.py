"""Admin → Policies: each policy document's version in force and any coming, the drafts in the policies folder
not yet published, how many users acknowledged each announced change, and publishing a draft with its effective
date (a material change only with the notice period: the earliest date is shown, and a shorter one refused)."""

from __future__ import annotations

from datetime import date

import streamlit as st

from core.bootstrap import app_container
from core.domain import Role
from core.errors import AtelierError
from core.services.policies import PolicyService, long_date
from core.services.policies_views import DocumentStatus, VersionView
from core.text import plural
from pages.components.flash import flash
from pages.components.guard import require_user
from pages.components.safe_text import escape_markdown

admin = require_user(Role.ADMIN)
service = app_container().of(PolicyService)

st.title("Policies")
st.caption(
    f"The documents in the policies folder. A material change is announced by email to every user and with a "
    f"notice on every page, at least {service.notice_days} days before it takes effect; a correction that changes "
    "nothing users agreed to (material = false in its file) may take effect at once."
)


def _row(what: str, view: VersionView) -> dict[str, object]:
    return {
        "": what,
        "Version": view.version,
        "Effective": long_date(view.effective),
        "Material": "yes" if view.policy.material else "no",
        "Announced (UTC)": view.announced_at.strftime("%Y-%m-%d %H:%M") if view.announced_at else "with the app",
        "Acknowledged by": plural(view.acknowledged, "user")
        + (" (emails still being queued)" if view.announcing else ""),
    }


def _document(status: DocumentStatus) -> None:
    st.subheader(status.title, anchor=False)
    rows = [_row("In force", status.current), *(_row("Coming", v) for v in status.upcoming)]
    st.dataframe(rows, hide_index=True, width="stretch")
    if not status.drafts:
        st.caption("No draft waiting: add a file named <version>.md to publish a new version.")
        return
    drafts = {d.version: d for d in status.drafts}
    version = st.selectbox("Draft to publish", list(drafts), key=f"admin.policies.version.{status.document}")
    draft = drafts.get(version or "", status.drafts[0])
    earliest = service.earliest(draft.material)
    with st.form(f"admin.policies.publish.{status.document}"):
        st.markdown(
            f"**What changes:** {escape_markdown(draft.summary)}  \n"
            + (
                f"A material change: the earliest effective date is **{long_date(earliest)}**."
                if draft.material
                else "Not material: it may take effect today."
            )
        )
        effective = st.date_input(
            "Effective date (00:00 UTC)",
            value=max(draft.effective, earliest),
            format="YYYY-MM-DD",
            key=f"admin.policies.effective.{status.document}",
        )
        if st.form_submit_button("Publish", type="primary"):
            _publish(status, draft.version, effective)


def _publish(status: DocumentStatus, version: str, effective: object) -> None:
    if not isinstance(effective, date):
        st.error("Choose a draft and an effective date.")
        return
    try:
        with st.spinner("Publishing and queueing the announcement…"):
            done = service.publish(admin, status.document, version, effective)
    except AtelierError as exc:
        st.error(escape_markdown(str(exc)))
        return
    said = f"{status.title} {version} is published, effective {long_date(done.view.effective)}."
    if done.view.policy.material:
        said += f" Emailed to {plural(done.emailed, 'user')}" + (
            "; the worker emails the rest within minutes." if done.announcing else "."
        )
    flash(said)
    st.rerun()


for document in service.documents():
    _document(document)
