"""The prompt lab's rules as pure functions: template variables, axes and their values, the cells of an experiment
(an X/Y/Z plot: columns, rows, pages), what may be swept with which models, and presets' {subject} slot."""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from core.domain.catalogue import COLUMN_INPUTS, INPUT_LABELS, GenerationKind, Input, InputSpec, ModelInfo
from core.domain.generation import GenerationForm
from core.errors import ValidationError

MAX_AXES = 3
PLACES = ("columns", "rows", "pages")  # what axis 0, 1 and 2 become in the grid
MAX_VALUE_CHARS = 200  # one value of a variable
MAX_NAME_CHARS = 120
MAX_CSV_BYTES = 1_000_000  # an uploaded CSV of a variable's values
SUBJECT = "subject"  # a preset's one slot: what the user types on Generate
_VARIABLE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]{0,39})\}")
# Inputs a lab cell never sweeps: every cell is one image, and the format is the base setting's.
UNSWEPT = frozenset({Input.NUM_IMAGES, Input.OUTPUT_FORMAT})
_SWITCH = {"on": True, "yes": True, "true": True, "off": False, "no": False, "false": False}


class AxisKind(StrEnum):
    VARIABLE = "variable"  # a template variable's values
    MODEL = "model"
    INPUT = "input"  # any input of the catalogue: seed, aspect ratio, image size, guidance, safety tolerance, ...


Value = str | int | float | bool


@dataclass(frozen=True)
class Axis:
    kind: AxisKind
    name: str  # the variable's name, "model", or the Input's value
    values: tuple[Value, ...]

    @property
    def label(self) -> str:
        if self.kind == AxisKind.VARIABLE:
            return "{" + self.name + "}"
        if self.kind == AxisKind.MODEL:
            return "Model"
        return INPUT_LABELS.get(self.name, self.name)


@dataclass(frozen=True)
class Plan:
    """What an experiment asks for, before anything is priced: the template, the model every cell uses unless
    models are an axis, the settings every cell shares (by Input names), fixed variables and the axes."""

    prompt: str
    model: str
    settings: Mapping[str, Value] = field(default_factory=dict)
    variables: Mapping[str, str] = field(default_factory=dict)
    axes: tuple[Axis, ...] = ()


@dataclass(frozen=True)
class CellPlan:
    page: int
    row: int
    col: int
    prompt: str
    model: str
    settings: Mapping[str, Value]

    def form(self) -> GenerationForm:
        """The cell as a Generate form: one image, with the shared settings the cell's model takes."""
        options = {k: v for k, v in self.settings.items() if k not in COLUMN_INPUTS}
        return GenerationForm(
            GenerationKind.TEXT_TO_IMAGE,
            self.prompt,
            self.model,
            aspect_ratio=str(self.settings.get(Input.ASPECT_RATIO.value, "1:1")),
            seed=_seed(self.settings.get(Input.SEED.value)),
            num_images=1,
            output_format=str(self.settings.get(Input.OUTPUT_FORMAT.value, "jpeg")),
            options=options,
        )


def _seed(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def variables(template: str) -> tuple[str, ...]:
    """The template's {variables}, each once, in the order they first appear."""
    return tuple(dict.fromkeys(_VARIABLE.findall(template)))


def render(template: str, values: Mapping[str, str]) -> str:
    """The template with each {variable} replaced by its value; a variable with no value is refused by name."""
    missing = [name for name in variables(template) if name not in values]
    if missing:
        names = ", ".join("{" + name + "}" for name in missing)
        raise ValidationError(f"The template uses {names}: give it a value, or sweep it on an axis.")
    return _VARIABLE.sub(lambda match: values[match[1]], template)


def cell_count(axes: Sequence[Axis]) -> int:
    count = 1
    for axis in axes:
        count *= len(axis.values)
    return count


def cells(plan: Plan, max_cells: int) -> list[CellPlan]:
    """Every cell of the plan, page by page, row by row: axis 0 across (columns), 1 down (rows), 2 pages."""
    check_axes(plan.axes, plan.prompt)
    if (count := cell_count(plan.axes)) > max_cells:
        raise ValidationError(
            f"This experiment would make {count:,} cells; the lab runs at most {max_cells:,} at once "
            "(LAB_MAX_CELLS). Remove some values or an axis."
        )
    padded = list(plan.axes) + [None] * (MAX_AXES - len(plan.axes))
    ranges = [range(len(axis.values)) if axis else range(1) for axis in padded]
    found: list[CellPlan] = []
    for page, row, col in itertools.product(ranges[2], ranges[1], ranges[0]):
        model, settings, values = plan.model, dict(plan.settings), dict(plan.variables)
        for axis, index in zip(padded, (col, row, page), strict=True):
            if axis is None:
                continue
            value = axis.values[index]
            if axis.kind == AxisKind.VARIABLE:
                values[axis.name] = str(value)
            elif axis.kind == AxisKind.MODEL:
                model = str(value)
            else:
                settings[axis.name] = value
        found.append(CellPlan(page, row, col, render(plan.prompt, values), model, settings))
    return found


def check_axes(axes: Sequence[Axis], template: str) -> None:
    """At most three axes, each with values, none twice, every variable one the template uses."""
    if len(axes) > MAX_AXES:
        raise ValidationError(f"An experiment has at most {MAX_AXES} axes: columns, rows and pages.")
    seen: set[tuple[AxisKind, str]] = set()
    used = set(variables(template))
    for axis in axes:
        if not axis.values:
            raise ValidationError(f"The axis {axis.label} has no values: type at least one.")
        if (axis.kind, axis.name) in seen:
            raise ValidationError(f"{axis.label} is on two axes; sweep it on one.")
        seen.add((axis.kind, axis.name))
        if axis.kind == AxisKind.VARIABLE and axis.name not in used:
            raise ValidationError(f"The template has no {axis.label}; add it to the template or choose another.")


def models_in_play(plan: Plan) -> tuple[str, ...]:
    axis = next((a for a in plan.axes if a.kind == AxisKind.MODEL), None)
    return tuple(str(v) for v in axis.values) if axis else (plan.model,)


def sweep_refusal(axis: Axis, models: Sequence[ModelInfo]) -> str:
    """Why this input cannot be swept with these models ("" when it can): every model must take it, and every
    value must be one each model allows. Said before anything is priced or held."""
    if axis.kind != AxisKind.INPUT:
        return ""
    try:
        name = Input(axis.name)
    except ValueError:
        return f"{axis.name} is not an input any model takes."
    if name in UNSWEPT:
        return f"{axis.label} is not swept in the lab: every cell makes one image in the base format."
    for model in models:
        spec = model.accepts(name)
        if spec is None:
            return (
                f"{model.label} does not take {axis.label.lower()}, so it cannot be swept with that model. "
                "Sweep it with models that take it, or remove that model."
            )
        for value in axis.values:
            if not spec.allows(value):
                return f"{model.label} does not take {axis.label.lower()} {value_label(value)}: {allowed_text(spec)}."
    return ""


def sweepable(models: Sequence[ModelInfo]) -> tuple[list[Input], dict[Input, str]]:
    """The inputs every model takes (sweepable), and for each input only some take, the reason it is not."""
    names = [spec.name for model in models for spec in model.inputs if spec.name not in UNSWEPT]
    offered: list[Input] = []
    refused: dict[Input, str] = {}
    for name in dict.fromkeys(names):
        without = [model.label for model in models if model.accepts(name) is None]
        if without:
            refused[name] = f"{', '.join(without)} does not take {INPUT_LABELS.get(name.value, name.value).lower()}."
        else:
            offered.append(name)
    return offered, refused


def parse_values(text: str, spec: InputSpec | None, *, limit: int) -> tuple[Value, ...]:
    """The values typed for an axis, one per line or separated by commas, typed by the input they are for
    (`spec` None: a variable's free text, one per line). Repeats are dropped; bad values are refused by name."""
    raw = [part.strip() for part in (text.splitlines() if spec is None else re.split(r"[,\n]", text))]
    parts = list(dict.fromkeys(part for part in raw if part))
    if not parts:
        raise ValidationError("Type at least one value.")
    if len(parts) > limit:
        raise ValidationError(f"At most {limit:,} values on one axis.")
    if spec is None:
        too_long = next((p for p in parts if len(p) > MAX_VALUE_CHARS), None)
        if too_long is not None:
            raise ValidationError(f"A value may be at most {MAX_VALUE_CHARS} characters: {too_long[:40]}…")
        return tuple(parts)
    return tuple(_typed(part, spec) for part in parts)


def _typed(text: str, spec: InputSpec) -> Value:
    label = INPUT_LABELS.get(spec.name.value, spec.name.value)
    value: Value
    if spec.choices or spec.name in (Input.ASPECT_RATIO, Input.IMAGE_SIZE):
        value = text
    elif isinstance(spec.default, bool) or spec.name == Input.ENHANCE_PROMPT:
        if text.lower() not in _SWITCH:
            raise ValidationError(f"{label} takes on or off, not {text[:40]}.")
        value = _SWITCH[text.lower()]
    else:
        try:
            number = float(text)
        except ValueError:
            raise ValidationError(f"{label} takes numbers, not {text[:40]}.") from None
        value = int(number) if spec.is_integer and number.is_integer() else number
    if not spec.allows(value):
        raise ValidationError(f"{label} does not take {text[:40]}: {allowed_text(spec)}.")
    return value


def csv_columns(data: bytes, max_rows: int) -> dict[str, tuple[str, ...]]:
    """An uploaded CSV file's columns by header, each with its first `max_rows` values (a variable's values come from
    one of them); a file too large or not CSV with a header row is refused in words."""
    if len(data) > MAX_CSV_BYTES:
        raise ValidationError("The CSV file is larger than 1 MB; keep the column you need.")
    try:
        rows = list(itertools.islice(csv.reader(io.StringIO(data.decode("utf-8-sig"))), max_rows + 1))
    except (UnicodeDecodeError, csv.Error):
        raise ValidationError("That file could not be read as CSV with a header row (UTF-8).") from None
    if not rows or not any(name.strip() for name in rows[0]):
        raise ValidationError("That file could not be read as CSV with a header row (UTF-8).")
    header = [name.strip() or f"Column {n}" for n, name in enumerate(rows[0], start=1)]
    return {name: tuple(row[n] for row in rows[1:] if n < len(row)) for n, name in enumerate(header)}


def allowed_text(spec: InputSpec) -> str:
    if spec.choices:
        return "it takes " + ", ".join(spec.choices[:12])
    if isinstance(spec.default, bool) or spec.name == Input.ENHANCE_PROMPT:
        return "it takes on or off"
    low = "any" if spec.minimum is None else f"{spec.minimum:g}"
    high = "any" if spec.maximum is None else f"{spec.maximum:g}"
    whole = "whole numbers" if spec.is_integer else "numbers"
    return f"it takes {whole} from {low} to {high}"


def value_label(value: object) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def check_preset_prompt(prompt: str) -> str:
    """A preset's prompt has exactly one {subject} and no other variable."""
    found = _VARIABLE.findall(prompt)
    if found.count(SUBJECT) != 1 or any(name != SUBJECT for name in found):
        raise ValidationError("A preset's prompt needs exactly one {subject}, where the typed prompt goes.")
    return prompt.strip()


def apply_preset(prompt: str, subject: str) -> str:
    """The preset's prompt with the user's words as its subject."""
    return prompt.replace("{" + SUBJECT + "}", subject.strip(), 1)
