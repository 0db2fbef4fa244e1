"""The prompt lab's results as files: the CSV and the JSON of every cell, and the typed cells and meta every report reads."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from core.csv_safe import to_csv

# The frame's columns, in the order the CSV and the JSON show them; `settings` comes last, spread out in the CSV.
CELL_FIELDS = (
    "cell_id",
    "page",
    "row",
    "column",
    "page_label",
    "row_label",
    "column_label",
    "prompt",
    "model",
    "model_label",
    "seed",
    "status",
    "cost",
    "thumbs",
    "stars",
    "comment",
    "winner",
    "image_id",
)
SETTING_PREFIX = "setting_"


@dataclass(frozen=True)
class AxisMeta:
    place: str  # "columns" | "rows" | "pages"
    label: str  # the axis' name, e.g. "Guidance scale"
    values: tuple[str, ...]


@dataclass(frozen=True)
class ReportMeta:
    title: str  # the experiment's name
    template: str  # the template's name and version, e.g. "Portrait v3"
    prompt_template: str  # the text with its {variables}
    axes: tuple[AxisMeta, ...]
    created_at: datetime
    total_cost: int  # credits

    def axis(self, place: str) -> AxisMeta | None:
        return next((a for a in self.axes if a.place == place), None)


@dataclass(frozen=True)
class Cell:
    """One cell of the grid, read once from the frame: plain Python values, None where the frame has <NA>."""

    cell_id: int
    page: int
    row: int
    column: int
    page_label: str
    row_label: str
    column_label: str
    prompt: str
    model: str
    model_label: str
    seed: int
    status: str
    cost: int
    thumbs: str
    stars: int | None
    comment: str
    winner: bool
    image_id: int | None
    settings: dict[str, Any]


@dataclass(frozen=True)
class GridShape:
    """How many pages, rows and columns the cells span, and each one's header label ("" when unlabelled)."""

    page_labels: tuple[str, ...]
    row_labels: tuple[str, ...]
    column_labels: tuple[str, ...]


def cells_of(frame: pd.DataFrame) -> list[Cell]:
    return [_cell(record) for record in frame.to_dict("records")]


def grid_of(cells: Iterable[Cell]) -> GridShape:
    cells = list(cells)
    return GridShape(
        page_labels=_axis_labels((c.page, c.page_label) for c in cells),
        row_labels=_axis_labels((c.row, c.row_label) for c in cells),
        column_labels=_axis_labels((c.column, c.column_label) for c in cells),
    )


def results_csv(frame: pd.DataFrame) -> bytes:
    """Every cell as one row, its settings spread into `setting_<name>` columns, safe to open in a spreadsheet."""
    cells = cells_of(frame)
    keys = sorted({key for cell in cells for key in cell.settings})
    header = [*CELL_FIELDS, *(SETTING_PREFIX + _snake(key) for key in keys)]
    rows = (
        [*(_csv_value(getattr(cell, name)) for name in CELL_FIELDS), *(_csv_value(cell.settings.get(k)) for k in keys)]
        for cell in cells
    )
    return to_csv(header, rows)


def results_json(frame: pd.DataFrame, meta: ReportMeta) -> bytes:
    """`{"experiment": {...}, "cells": [...]}` in UTF-8, keys in a fixed order; `stars` is null when not rated."""
    document = {"experiment": experiment_dict(meta), "cells": [cell_dict(cell) for cell in cells_of(frame)]}
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def experiment_dict(meta: ReportMeta) -> dict[str, Any]:
    return {
        "title": meta.title,
        "template": meta.template,
        "prompt_template": meta.prompt_template,
        "axes": [{"place": a.place, "label": a.label, "values": list(a.values)} for a in meta.axes],
        "created_at": meta.created_at.isoformat(),
        "total_cost": meta.total_cost,
    }


def cell_dict(cell: Cell) -> dict[str, Any]:
    return {**{name: getattr(cell, name) for name in CELL_FIELDS}, "settings": _sorted(cell.settings)}


def _cell(record: dict[str, Any]) -> Cell:
    settings_text = str(record.get("settings") or "")
    settings = json.loads(settings_text) if settings_text.strip() else {}
    return Cell(
        cell_id=int(record["cell_id"]),
        page=int(record["page"]),
        row=int(record["row"]),
        column=int(record["column"]),
        page_label=_text(record.get("page_label")),
        row_label=_text(record.get("row_label")),
        column_label=_text(record.get("column_label")),
        prompt=_text(record.get("prompt")),
        model=_text(record.get("model")),
        model_label=_text(record.get("model_label")),
        seed=int(record["seed"]),
        status=_text(record.get("status")),
        cost=int(record["cost"]),
        thumbs=_text(record.get("thumbs")),
        stars=_optional_int(record.get("stars")),
        comment=_text(record.get("comment")),
        winner=not _missing(record.get("winner")) and bool(record.get("winner")),
        image_id=_optional_int(record.get("image_id")),
        settings=settings if isinstance(settings, dict) else {"value": settings},
    )


def _missing(value: object) -> bool:
    return value is None or (not isinstance(value, str | dict | list) and bool(pd.isna(value)))


def _text(value: object) -> str:
    return "" if _missing(value) else str(value)


def _optional_int(value: object) -> int | None:
    return None if _missing(value) else int(value)  # type: ignore[call-overload]


def _axis_labels(pairs: Iterable[tuple[int, str]]) -> tuple[str, ...]:
    """Each index's label, for indices 0..max (a gap gets ""): the first non-empty one among its cells, as an axis
    value is the same on every page and row."""
    labels: dict[int, str] = {}
    for index, label in pairs:
        if not labels.get(index):
            labels[index] = label
    return tuple(labels.get(i, "") for i in range(max(labels) + 1)) if labels else ()


def _snake(key: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", key).lower()).strip("_") or "value"


def _csv_value(value: object) -> object:
    """Numbers stay numbers (a spreadsheet can sum them); booleans read as true/false, nested values as JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value
