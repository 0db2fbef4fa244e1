"""Re-run an experiment with one axis changed (the rest stays), and compare a re-run with the run it came from,
cell by cell: the same place in both grids, side by side with a slider."""

from __future__ import annotations

import streamlit as st

from core.bootstrap import app_container
from core.domain import GenerationKind, Input, UserView
from core.domain import lab as rules
from core.domain.lab_views import ExperimentView
from core.errors import AtelierError, NotFoundError, ValidationError
from core.services.lab import LabService
from core.services.lab_results import axis_labels
from pages.components.compare_slider import compare_slider
from pages.components.lab_list import open_experiment
from pages.components.safe_text import escape_markdown

TOKEN_KEY = "lab.rerun.token"


def rerun_form(user: UserView, experiment: ExperimentView) -> None:
    if not experiment.axes:
        st.caption("This experiment has no axis to change.")
        return
    generation = app_container().generation
    position = st.selectbox(
        "Axis to change",
        range(len(experiment.axes)),
        format_func=lambda i: f"{rules.PLACES[i].capitalize()}: {experiment.axes[i].label}",
        key=f"lab.rerun.axis.{experiment.id}",
    )
    axis = experiment.axes[position]
    current = axis_labels(axis, generation.model_label)
    st.caption("Now: " + escape_markdown(", ".join(current)))
    try:
        values = _values(experiment, position)
    except ValidationError as exc:
        st.warning(escape_markdown(str(exc)))
        return
    token = st.session_state.setdefault(TOKEN_KEY, generation.new_token())
    if st.button("Re-run with this change", key=f"lab.rerun.go.{experiment.id}", icon=":material/restart_alt:"):
        try:
            new_id = app_container().of(LabService).rerun(user, experiment.id, position, values, token)
        except AtelierError as exc:
            st.error(escape_markdown(str(exc)))
            return
        st.session_state[TOKEN_KEY] = generation.new_token()
        open_experiment(new_id)


def _values(experiment: ExperimentView, position: int) -> tuple[rules.Value, ...]:
    axis = experiment.axes[position]
    key = f"lab.rerun.values.{experiment.id}.{position}"
    limit = app_container().settings.lab_max_cells
    generation = app_container().generation
    if axis.kind == rules.AxisKind.MODEL:
        models = generation.models(GenerationKind.TEXT_TO_IMAGE)
        picked = st.multiselect(
            "Models", [m.id for m in models], default=[str(v) for v in axis.values if v in {m.id for m in models}],
            format_func=generation.model_label, key=key,
        )  # fmt: skip
        if not picked:
            raise ValidationError("Pick at least one model.")
        return tuple(picked)
    shown = "\n".join(rules.value_label(v) for v in axis.values)
    if axis.kind == rules.AxisKind.VARIABLE:
        return rules.parse_values(st.text_area("New values, one per line", shown, key=key), None, limit=limit)
    model = next(m for m in generation.models(GenerationKind.TEXT_TO_IMAGE) if m.id == experiment.model)
    spec = model.accepts(Input(axis.name))
    if spec is None:
        raise ValidationError(f"{model.label} does not take {axis.label.lower()}.")
    text = st.text_input("New values, separated by commas", shown.replace("\n", ", "), key=key)
    return rules.parse_values(text, spec, limit=limit)


def runs_compared(user: UserView, experiment: ExperimentView) -> None:
    """Pick a place in the grid; the first run's cell and this run's cell at that place, with a slider."""
    lab = app_container().of(LabService)
    try:
        first = lab.experiment(user, experiment.rerun_of or 0)
    except NotFoundError:
        st.caption("The run this one came from was deleted.")
        return
    before = {(c.page, c.row, c.col): c for c in first.grid}
    pairs = [(c, before[place]) for c in experiment.grid if (place := (c.page, c.row, c.col)) in before]
    ready = [(new, old) for new, old in pairs if new.image is not None and old.image is not None]
    st.caption(f"Changed: {experiment.axes[experiment.changed_axis or 0].label} · from “{escape_markdown(first.name)}”")
    if not ready:
        st.caption("The cells are still being made.")
        return
    index = st.selectbox(
        "Cell", range(len(ready)), format_func=lambda i: f"Row {ready[i][0].row + 1}, column {ready[i][0].col + 1}"
        + (f", page {ready[i][0].page + 1}" if len(experiment.axes) > 2 else ""), key=f"lab.pairs.{experiment.id}",
    )  # fmt: skip
    new, old = ready[index]
    assert new.image is not None and old.image is not None
    compare_slider(
        old.image.preview_url,
        new.image.preview_url,
        before_label="First run",
        after_label="Re-run",
        before_alt=old.prompt,
        after_alt=new.prompt,
        key=f"lab.runs.{experiment.id}",
    )
