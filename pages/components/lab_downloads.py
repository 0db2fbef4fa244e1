"""The Lab's reports of one experiment, built when asked: CSV and JSON of every cell, a contact-sheet PNG, and a
self-contained HTML report that opens offline."""

from __future__ import annotations

import streamlit as st
from slugify import slugify

from core.bootstrap import app_container
from core.domain import UserView
from core.domain.lab_views import ExperimentView
from core.errors import AtelierError
from core.services.lab import LabService
from pages.components.safe_text import escape_markdown

BUILT_KEY = "lab.reports"  # (experiment id, cells finished, ratings version) -> the built files


def report_downloads(user: UserView, experiment: ExperimentView) -> None:
    if st.button("Build the reports", key="lab.reports.build", icon=":material/description:"):
        try:
            st.session_state[BUILT_KEY] = (experiment.id, app_container().of(LabService).reports(user, experiment.id))
        except AtelierError as exc:
            st.error(escape_markdown(str(exc)))
            return
    built = st.session_state.get(BUILT_KEY)
    if not built or built[0] != experiment.id:
        st.caption("Every cell's settings, cost, rating and comment; built from what is stored now.")
        return
    reports = built[1]
    stem = slugify(experiment.name, max_length=60, word_boundary=True) or "experiment"  # as the exports name files
    files = (
        ("CSV", reports.csv, f"{stem}.csv", "text/csv", ":material/table:"),
        ("JSON", reports.json, f"{stem}.json", "application/json", ":material/data_object:"),
        ("Contact sheet", reports.contact_sheet, f"{stem}.png", "image/png", ":material/grid_on:"),
        ("HTML report", reports.html, f"{stem}.html", "text/html", ":material/article:"),
    )
    with st.container(horizontal=True, gap="small"):
        for label, data, name, mime, icon in files:
            st.download_button(
                label, data, file_name=name, mime=mime, icon=icon, key=f"lab.dl.{name}", on_click="ignore"
            )
