"""The Lab's list of the team's latest experiments, each with its progress, its cost and a link that opens it."""

from __future__ import annotations

import streamlit as st

from core.bootstrap import app_container
from core.domain import UserView
from core.domain.url_params import EXPERIMENT
from core.services.lab import LabService
from core.text import plural
from pages.components.safe_text import escape_markdown


def experiment_list(user: UserView) -> None:
    found = app_container().of(LabService).experiments(user)
    if not found:
        st.info("No experiments yet. Start one under New experiment.", icon=":material/science:")
        return
    for experiment in found:
        with st.container(border=True, key=f"lab.list.{experiment.id}"):
            name, action = st.columns([4, 1], vertical_alignment="center")
            state = "canceled" if experiment.canceled else f"{experiment.finished}/{experiment.cells} done"
            who = "yours" if experiment.mine else "a teammate's"
            name.markdown(f"**{escape_markdown(experiment.name)}**")
            name.caption(
                f"{escape_markdown(experiment.template)} · {plural(experiment.cells, 'cell')} · "
                f"{plural(experiment.cost, 'credit')} · {state} · {who} · {experiment.created_at:%d %b %Y %H:%M} UTC"
            )
            if action.button("Open", key=f"lab.open.{experiment.id}", icon=":material/grid_view:", width="stretch"):
                open_experiment(experiment.id)


def open_experiment(experiment_id: int) -> None:
    st.query_params.update(EXPERIMENT.write(experiment_id))
    st.rerun()
