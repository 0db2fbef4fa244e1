"""The prompt lab's read models, and the one parser of what the lab stores as JSON (settings, variables, axes)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from core.domain.catalogue import Input
from core.domain.generation import ImageView, JobStatus
from core.domain.lab import PLACES, Axis, AxisKind, Value

MAX_COMMENT_CHARS = 1000
THUMBS = ("up", "down")


@dataclass(frozen=True)
class TemplateView:
    id: int
    name: str
    version: int  # the newest
    version_id: int
    prompt: str
    note: str
    saved_at: datetime


@dataclass(frozen=True)
class VersionView:
    id: int
    version: int
    prompt: str
    note: str
    saved_at: datetime
    mine: bool  # saved by the member looking


@dataclass(frozen=True)
class Quote:
    """What running a plan would make and cost, or why it cannot run ("" when it can)."""

    cells: int
    credits: int
    refusal: str = ""


@dataclass(frozen=True)
class CellView:
    id: int
    page: int
    row: int
    col: int
    prompt: str
    model: str
    settings: Mapping[str, Value]
    cost: int
    status: JobStatus
    progress: float
    message: str
    image: ImageView | None
    thumbs: str = ""
    stars: int | None = None
    comment: str = ""
    winner: bool = False
    generation_id: str = ""


@dataclass(frozen=True)
class ExperimentView:
    id: int
    name: str
    template: str  # "Portrait v3"
    prompt: str  # the template version's text
    version_id: int
    model: str
    settings: Mapping[str, Value]
    variables: Mapping[str, str]
    axes: tuple[Axis, ...]
    created_at: datetime
    mine: bool  # run by (and charged to) the member looking
    cells: int
    finished: int
    cost: int
    canceled: bool = False
    rerun_of: int | None = None
    changed_axis: int | None = None
    grid: tuple[CellView, ...] = field(default_factory=tuple)  # filled for the one experiment being looked at

    @property
    def places(self) -> tuple[str, ...]:
        return PLACES[: len(self.axes)]


@dataclass(frozen=True)
class PresetView:
    id: int
    name: str
    prompt: str
    model: str
    settings: Mapping[str, Value]
    preview: bytes  # a small WebP; b"" where it was not read (the chips on Generate: PresetService.preview)
    status: str  # draft | published | retired
    position: int


def stored_settings(raw: object) -> dict[str, Value]:
    """Settings read back from the database: only known inputs with plain values; anything else is dropped."""
    if not isinstance(raw, Mapping):
        return {}
    names = {name.value for name in Input}
    return {str(k): v for k, v in raw.items() if k in names and isinstance(v, str | int | float | bool)}


def stored_variables(raw: object) -> dict[str, str]:
    if not isinstance(raw, Mapping):
        return {}
    return {str(k): v for k, v in raw.items() if isinstance(k, str) and isinstance(v, str)}


def stored_axis(kind: str, name: str, values: object) -> Axis | None:
    """An axis read back; None for one this version cannot read (it is then left out, never a crash)."""
    try:
        axis_kind = AxisKind(kind)
    except ValueError:
        return None
    if not isinstance(values, list):
        return None
    kept = tuple(v for v in values if isinstance(v, str | int | float | bool))
    return Axis(axis_kind, name, kept) if kept else None
