"""An experiment's results as one pandas frame (the grid, the CSV, the JSON and both reports read it), with its
axes' header labels, and the report files built from it."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd

from core.domain.lab import PLACES, Axis, AxisKind, value_label
from core.domain.lab_views import CellView, ExperimentView
from core.lab_contact_sheet import contact_sheet
from core.lab_report_html import html_report
from core.lab_reports import AxisMeta, ReportMeta, results_csv, results_json


@dataclass(frozen=True)
class Reports:
    csv: bytes
    json: bytes
    contact_sheet: bytes
    html: bytes


def axis_labels(axis: Axis | None, model_label: Callable[[str], str]) -> list[str]:
    """The header of each value of an axis: a model's name, a switch's on/off, a number as typed."""
    if axis is None:
        return [""]
    if axis.kind == AxisKind.MODEL:
        return [model_label(str(value)) for value in axis.values]
    return [value_label(value) for value in axis.values]


def headers(experiment: ExperimentView, model_label: Callable[[str], str]) -> tuple[list[str], list[str], list[str]]:
    """The grid's column, row and page headers ([""] where the experiment has no such axis)."""
    columns, rows, pages = (axis_labels(axis, model_label) for axis in [*experiment.axes, None, None, None][:3])
    return columns, rows, pages


def place(experiment: ExperimentView, cell: CellView, model_label: Callable[[str], str]) -> str:
    """Where a cell sits, by its axes' values: "dusk · 12"."""
    labels = headers(experiment, model_label)
    at = (cell.col, cell.row, cell.page)
    return " · ".join(labels[i][at[i]] for i in range(len(experiment.axes))) or f"Cell {cell.id}"


def results_frame(experiment: ExperimentView, model_label: Callable[[str], str]) -> pd.DataFrame:
    """One row per cell, in grid order, with its headers, settings, state, rating and image."""
    columns, rows, pages = headers(experiment, model_label)
    records = [
        {
            "cell_id": cell.id,
            "page": cell.page,
            "row": cell.row,
            "column": cell.col,
            "page_label": pages[cell.page] if cell.page < len(pages) else "",
            "row_label": rows[cell.row] if cell.row < len(rows) else "",
            "column_label": columns[cell.col] if cell.col < len(columns) else "",
            "prompt": cell.prompt,
            "model": cell.model,
            "model_label": model_label(cell.model),
            "seed": int(cell.settings.get("seed", 0) or 0),
            "settings": json.dumps(dict(cell.settings), sort_keys=True),
            "cost": cell.cost,
            "status": cell.status.value,
            "thumbs": cell.thumbs,
            "stars": cell.stars,
            "comment": cell.comment,
            "winner": cell.winner,
            "image_id": cell.image.id if cell.image else None,
        }
        for cell in experiment.grid
    ]
    frame = pd.DataFrame.from_records(records, columns=FRAME_COLUMNS)
    return frame.astype({"stars": "Int64", "image_id": "Int64", "winner": bool})


FRAME_COLUMNS = (
    "cell_id", "page", "row", "column", "page_label", "row_label", "column_label", "prompt", "model", "model_label",
    "seed", "settings", "cost", "status", "thumbs", "stars", "comment", "winner", "image_id",
)  # fmt: skip


def report_meta(experiment: ExperimentView, model_label: Callable[[str], str]) -> ReportMeta:
    axes = tuple(
        AxisMeta(place, axis.label, tuple(axis_labels(axis, model_label)))
        for place, axis in zip(PLACES, experiment.axes, strict=False)
    )
    return ReportMeta(
        experiment.name, experiment.template, experiment.prompt, axes, experiment.created_at, experiment.cost
    )


def reports(frame: pd.DataFrame, images: Mapping[int, bytes], meta: ReportMeta) -> Reports:
    return Reports(
        results_csv(frame),
        results_json(frame, meta),
        contact_sheet(frame, images, meta).png,
        html_report(frame, images, meta),
    )
