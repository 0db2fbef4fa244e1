"""The prompt lab's rows in a person's privacy export: one CSV per lab table (core/domain/privacy_export.py names
their columns), each written from the rows that name the person."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from core.domain.export import iso_utc
from core.domain.privacy_export import optional_utc
from db.tables import LabCell, LabExperiment, LabPreset, LabRating, LabTemplateVersion


def _json(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _version(v: LabTemplateVersion) -> list[object]:
    return [v.template_id, v.version, v.prompt, v.note, iso_utc(v.created_at)]


def _experiment(e: LabExperiment) -> list[object]:
    return [e.id, e.name, e.version_id, e.model, _json(e.settings), _json(e.variables), iso_utc(e.created_at),
            optional_utc(e.canceled_at)]  # fmt: skip


def _cell(c: LabCell) -> list[object]:
    return [c.experiment_id, c.page, c.row, c.col, c.generation_id, c.prompt, c.model, _json(c.settings), c.cost,
            "true" if c.winner else "false"]  # fmt: skip


def _rating(r: LabRating) -> list[object]:
    return [r.cell_id, r.thumbs, "" if r.stars is None else r.stars, r.comment, iso_utc(r.updated_at)]


def _preset(p: LabPreset) -> list[object]:
    return [p.id, p.name, p.prompt, p.model, p.status, iso_utc(p.created_at)]


LAB_WRITERS: Mapping[str, tuple[type[Any], Callable[[Any], list[object]]]] = {
    "lab_templates.csv": (LabTemplateVersion, _version),
    "lab_experiments.csv": (LabExperiment, _experiment),
    "lab_cells.csv": (LabCell, _cell),
    "lab_ratings.csv": (LabRating, _rating),
    "lab_presets.csv": (LabPreset, _preset),
}
