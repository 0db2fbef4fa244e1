"""The Lab's experiment builder: a template version, the base model and settings, values for fixed variables and up
to three axes; it shows the cell count and the exact cost before anything runs, or why it cannot run."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import streamlit as st

from core.bootstrap import app_container
from core.domain import GenerationKind, Input, ModelInfo, UserView
from core.domain import lab as rules
from core.domain.catalogue import INPUT_LABELS
from core.domain.lab_views import TemplateView
from core.errors import AtelierError, ValidationError
from core.services.lab import LabService
from core.text import plural
from pages.components.lab_list import open_experiment
from pages.components.safe_text import escape_markdown

PREFIX = "lab.new."
TOKEN_KEY = f"{PREFIX}token"
SEED_KEY = f"{PREFIX}seed"
NONE = ""


@dataclass(frozen=True)
class Built:
    plan: rules.Plan | None
    problem: str = ""


def experiment_builder(user: UserView) -> None:
    lab = app_container().of(LabService)
    templates = lab.templates(user)
    if not templates:
        st.info("Save a template first (Templates), then sweep its variables here.", icon=":material/edit_note:")
        return
    by_id = {t.id: t for t in templates}
    left, right = st.columns(2)
    picked = left.selectbox(
        "Template",
        list(by_id),
        key=f"{PREFIX}template",
        format_func=lambda tid: f"{by_id[tid].name} · v{by_id[tid].version}",
    )
    template = by_id[picked]
    name = right.text_input(
        "Experiment name", value=f"{template.name} v{template.version}", key=f"{PREFIX}name.{picked}"
    )
    st.code(template.prompt, language=None, wrap_lines=True)
    built = _build(template)
    if built.plan is None:
        st.warning(built.problem, icon=":material/info:")
        return
    quote = lab.quote(user, built.plan)
    short = app_container().credits.shortfall(user.balance, quote.credits) if not quote.refusal else ""
    reason = quote.refusal or short
    if reason:
        st.warning(escape_markdown(reason), icon=":material/block:")
    token = st.session_state.setdefault(TOKEN_KEY, app_container().generation.new_token())
    label = f"Run {plural(quote.cells, 'cell')} · {plural(quote.credits, 'credit')}"
    if st.button(label, type="primary", disabled=bool(reason), key=f"{PREFIX}run", icon=":material/play_arrow:"):
        try:
            experiment_id = lab.run(user, template.version_id, name, built.plan, token)
        except AtelierError as exc:
            st.error(escape_markdown(str(exc)))
            return
        st.session_state[TOKEN_KEY] = app_container().generation.new_token()
        open_experiment(experiment_id)


def _build(template: TemplateView) -> Built:
    models = app_container().generation.models(GenerationKind.TEXT_TO_IMAGE)
    by_id = {m.id: m for m in models}
    first, second, third = st.columns(3)
    model_id = first.selectbox(
        "Model", list(by_id), key=f"{PREFIX}model", format_func=lambda mid: by_id[mid].label,
        help="Every cell uses it, unless Model is one of the axes.",
    )  # fmt: skip
    model = by_id[model_id]
    settings = _base_settings(model, second, third)
    names = rules.variables(template.prompt)
    axes: list[rules.Axis] = []
    problem = ""
    st.markdown("**Axes** · up to three: columns, rows, then pages")
    for position, place in enumerate(rules.PLACES):
        if position > len(axes):
            break
        try:
            axis = _axis(position, place, names, axes, models, model)
        except ValidationError as exc:
            problem = problem or f"{place.capitalize()}: {exc}"
            axis = None
        if axis is None:
            break
        axes.append(axis)
    swept = {a.name for a in axes if a.kind == rules.AxisKind.VARIABLE}
    fixed: dict[str, str] = {}
    for variable in (n for n in names if n not in swept):
        fixed[variable] = st.text_input(f"{{{variable}}}", key=f"{PREFIX}var.{variable}", help="The same in every cell")
        if not fixed[variable].strip():
            problem = problem or f"Give {{{variable}}} a value, or sweep it on an axis."
    if problem:
        return Built(None, problem)
    return Built(rules.Plan(template.prompt, model.id, settings, fixed, tuple(axes)))


def _base_settings(model: ModelInfo, left: Any, right: Any) -> dict[str, rules.Value]:
    """The settings every cell shares: the aspect ratio (where the model takes one) and one seed."""
    settings: dict[str, rules.Value] = {Input.OUTPUT_FORMAT.value: "jpeg"}
    if (spec := model.accepts(Input.ASPECT_RATIO)) is not None and spec.choices:
        choices = list(spec.choices)
        settings[Input.ASPECT_RATIO.value] = left.selectbox(
            "Aspect ratio", choices, index=choices.index(str(spec.default)) if spec.default in choices else 0,
            key=f"{PREFIX}ratio",
        )  # fmt: skip
    seed = st.session_state.setdefault(SEED_KEY, random.randint(0, 999_999))
    settings[Input.SEED.value] = int(
        right.number_input("Seed", 0, 2**31 - 1, seed, key=f"{PREFIX}seed_input", help="Every cell shares it")
    )
    return settings


def _axis(
    position: int, place: str, names: tuple[str, ...], taken: list[rules.Axis], models: list[ModelInfo], base: ModelInfo
) -> rules.Axis | None:
    in_play = _models_in_play(taken, models, base)
    offered, refused = rules.sweepable(in_play)
    used = {(a.kind, a.name) for a in taken}
    options = [NONE]
    options += [f"variable:{n}" for n in names if (rules.AxisKind.VARIABLE, n) not in used]
    options += ["model:model"] if (rules.AxisKind.MODEL, "model") not in used and len(models) > 1 else []
    options += [f"input:{i.value}" for i in offered if (rules.AxisKind.INPUT, i.value) not in used]
    pick, values = st.columns([1, 2])
    what = pick.selectbox(
        f"{place.capitalize()}", options, key=f"{PREFIX}axis{position}", format_func=_option_label,
        help="What changes along this axis",
    )  # fmt: skip
    if refused and position == 0:
        pick.caption("Not offered: " + " ".join(escape_markdown(r) for r in refused.values()))
    if not what:
        return None
    with values:
        return _axis_values(position, what, models, base, in_play)


def _axis_values(
    position: int, what: str, models: list[ModelInfo], base: ModelInfo, in_play: list[ModelInfo]
) -> rules.Axis:
    kind_text, name = what.split(":", 1)
    kind = rules.AxisKind(kind_text)
    limit = app_container().settings.lab_max_cells
    if kind == rules.AxisKind.MODEL:
        picked = st.multiselect(
            "Models", [m.id for m in models], default=[base.id], key=f"{PREFIX}models{position}",
            format_func=lambda mid: next(m.label for m in models if m.id == mid),
        )  # fmt: skip
        if not picked:
            raise ValidationError("Pick at least one model.")
        return rules.Axis(kind, name, tuple(picked))
    if kind == rules.AxisKind.VARIABLE:
        return rules.Axis(kind, name, _variable_values(position, name, limit))
    spec = next(s for s in in_play[0].inputs if s.name.value == name)
    if spec.choices:
        picked = st.multiselect(INPUT_LABELS.get(name, name), list(spec.choices), key=f"{PREFIX}values{position}")
        if not picked:
            raise ValidationError(f"Pick at least one {INPUT_LABELS.get(name, name).lower()}.")
        return rules.Axis(kind, name, tuple(picked))
    text = st.text_input(
        f"{INPUT_LABELS.get(name, name)} values", key=f"{PREFIX}values{position}",
        placeholder="e.g. 1, 2, 3", help=f"Separated by commas; {rules.allowed_text(spec)}.",
    )  # fmt: skip
    return rules.Axis(kind, name, rules.parse_values(text, spec, limit=limit))


def _variable_values(position: int, name: str, limit: int) -> tuple[rules.Value, ...]:
    text = st.text_area(
        f"Values of {{{name}}}", key=f"{PREFIX}values{position}", height=90, placeholder="One value per line"
    )
    with st.popover("Take them from a CSV column", icon=":material/upload_file:"):
        upload = st.file_uploader(
            "A CSV file with a header row", type=["csv"], key=f"{PREFIX}csv{position}",
            help="Up to 1 MB; choose the column after uploading.",
        )  # fmt: skip
    if upload is not None:
        columns = rules.csv_columns(upload.getvalue(), max_rows=limit * 4)
        column = st.selectbox("Column of the CSV file", list(columns), key=f"{PREFIX}csvcol{position}")
        text = "\n".join(columns[column])
    return rules.parse_values(text, None, limit=limit)


def _models_in_play(taken: list[rules.Axis], models: list[ModelInfo], base: ModelInfo) -> list[ModelInfo]:
    axis = next((a for a in taken if a.kind == rules.AxisKind.MODEL), None)
    if axis is None:
        return [base]
    return [m for m in models if m.id in axis.values] or [base]


def _option_label(option: str) -> str:
    if not option:
        return "Nothing (no more axes)"
    kind, name = option.split(":", 1)
    if kind == "variable":
        return f"Variable {{{name}}}"
    if kind == "model":
        return "Model"
    return INPUT_LABELS.get(name, name)
