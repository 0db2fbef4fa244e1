"""Lab (team and admins): templates with versions, experiments as X/Y/Z grids of the hosted models with their exact
cost, ratings, winners, reports and re-runs; an experiment opens at ?experiment=<id>."""

from __future__ import annotations

import streamlit as st

from core.domain import Role
from core.domain.url_params import EXPERIMENT
from pages.components.guard import require_user
from pages.components.lab_builder import experiment_builder
from pages.components.lab_experiment import experiment_page
from pages.components.lab_list import experiment_list
from pages.components.lab_templates import template_editor

user = require_user(Role.TEAM)
opened = EXPERIMENT.read(st.query_params)
if opened is not None:
    experiment_page(user, opened)
else:
    st.title("Lab")
    st.caption(
        "Prototype prompts side by side: a template with {variables}, up to three axes (columns, rows, pages), "
        "the exact cost before anything runs. Each cell is charged to you, and its image lands in your gallery."
    )
    new, runs, templates = st.tabs(["New experiment", "Experiments", "Templates"])
    with new:
        experiment_builder(user)
    with runs:
        experiment_list(user)
    with templates:
        template_editor(user)
