"""The history export's contents: one row per image, with the same data in history.csv and history.json
(documented by docs/history-export.schema.json), and the size a download is expected to have."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from typing import Literal

from slugify import slugify

from core.domain.catalogue import COLUMN_INPUTS, Input
from core.domain.gallery import GalleryFilter

SCHEMA = "atelier-history-export/1"
ExportFormat = Literal["zip", "csv"]
SLUG_CHARS = 40  # of the prompt, cut at a word: enough to recognise it in a file list
# Every model parameter kept in a job's options, by our own names: the job's columns (aspect ratio, seed,
# number of images, format) have columns of their own. A fixed, sorted set, so that exports of different
# filters share one header; a parameter not in it (none today) is in history.json only.
PARAM_NAMES: tuple[str, ...] = tuple(sorted(i.value for i in Input if i not in COLUMN_INPUTS))
CSV_COLUMNS: tuple[str, ...] = (
    "image_id",
    "file",
    "created_at",
    "source",
    "kind",
    "model",
    "prompt",
    *(f"param_{name}" for name in PARAM_NAMES),
    "aspect_ratio",
    "seed",
    "width",
    "height",
    "format",
    "size_bytes",
    "cost_credits",
    "job_cost_credits",
    "status",
    "collections",
    "favourite",
    "provider_request_id",
    "parent_image_id",
    "generation_id",
)


@dataclass(frozen=True)
class ExportRow:
    """One image of the history with its job. Uploads have no job: their job fields are None."""

    image_id: int
    file: str  # its name inside the ZIP (image_file); "" when its original has gone missing
    created_at: datetime
    source: str  # generated | upload
    kind: str  # text_to_image | edit | multi_reference | upscale | fill | upload
    model: str | None
    prompt: str | None
    parameters: Mapping[str, object]  # the job's other model inputs (PARAM_NAMES), as sent
    aspect_ratio: str  # the job's requested ratio; else the named ratio nearest the image's shape
    seed: int | None  # the image's own seed, else its job's
    width: int
    height: int
    format: str  # jpeg | png | webp
    size_bytes: int
    cost_credits: int  # this image's share of its job's charge (see cost_shares); 0 for an upload
    job_cost_credits: int | None  # what the whole job was charged
    status: str | None  # the job's status
    collections: tuple[str, ...]
    favourite: bool
    provider_request_id: str | None
    input_image_ids: tuple[int, ...]  # the images the job started from, in order
    generation_id: str | None

    @property
    def missing(self) -> bool:
        return not self.file

    @property
    def parent_image_id(self) -> int | None:
        return self.input_image_ids[0] if self.input_image_ids else None

    def csv_cells(self) -> list[object]:
        """The row in CSV_COLUMNS order (csv_safe neutralises text that would start a formula)."""
        return [
            self.image_id,
            self.file,
            iso_utc(self.created_at),
            self.source,
            self.kind,
            self.model,
            self.prompt,
            *(cell(self.parameters.get(name)) for name in PARAM_NAMES),
            self.aspect_ratio,
            self.seed,
            self.width,
            self.height,
            self.format,
            self.size_bytes,
            self.cost_credits,
            self.job_cost_credits,
            self.status,
            "; ".join(self.collections),
            cell(self.favourite),
            self.provider_request_id,
            self.parent_image_id,
            self.generation_id,
        ]

    def json_object(self) -> dict[str, object]:
        """The row as one element of history.json's "images" (types kept: numbers, booleans, lists, null)."""
        return {
            "image_id": self.image_id,
            "file": self.file or None,
            "missing": self.missing,
            "created_at": iso_utc(self.created_at),
            "source": self.source,
            "kind": self.kind,
            "model": self.model,
            "prompt": self.prompt,
            "parameters": dict(sorted(self.parameters.items())),
            "aspect_ratio": self.aspect_ratio,
            "seed": self.seed,
            "width": self.width,
            "height": self.height,
            "format": self.format,
            "size_bytes": self.size_bytes,
            "cost_credits": self.cost_credits,
            "job_cost_credits": self.job_cost_credits,
            "status": self.status,
            "collections": list(self.collections),
            "favourite": self.favourite,
            "provider_request_id": self.provider_request_id,
            "parent_image_id": self.parent_image_id,
            "input_image_ids": list(self.input_image_ids),
            "generation_id": self.generation_id,
        }


@dataclass(frozen=True)
class ExportSummary:
    """What the page says before a download: how many images, and about how many bytes the ZIP will be."""

    image_count: int
    total_bytes_estimate: int


def cost_shares(charged: int, count: int) -> list[int]:
    """A job's charge shared among its `count` images, in their batch order: equal whole credits, the first
    `charged mod count` images one more, so the shares always add up to the charge."""
    if count <= 0:
        return []
    base, extra = divmod(charged, count)
    return [base + (1 if index < extra else 0) for index in range(count)]


def image_file(image_id: int, created_at: datetime, prompt: str | None, extension: str) -> str:
    """An original's name in every export ("images/2026-12-01_lighthouse-at-dusk_123.jpg"): its day (UTC), a slug
    of its prompt ("upload" for an upload, "image" when nothing of the prompt is left) and its id, so the names
    in one archive never collide, and the same image has the same name in every export.

    Safe on every system: lowercase ASCII letters, digits, "-" and "_" around one dot, so nothing Windows or
    macOS forbids (no <>:"/\\|?* or control character, no trailing dot or space), no case-only clash, never a
    reserved device name (CON, NUL, COM1…: the name starts with a date), and about 70 characters at most, far
    inside every length limit. Other scripts are transliterated (python-slugify: "маяк" → "maiak")."""
    day = created_at.replace(tzinfo=UTC) if created_at.tzinfo is None else created_at.astimezone(UTC)
    if prompt is None:
        slug = "upload"
    else:
        slug = slugify(prompt, max_length=SLUG_CHARS, word_boundary=True) or "image"
    suffix = slugify(extension, separator="") or "bin"
    return f"images/{day.date().isoformat()}_{slug}_{image_id}.{suffix}"


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC to the second ("2026-11-29T12:00:00Z"); a naive time (SQLite) is UTC already."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.strftime("%Y-%m-%dT%H:%M:%SZ")


def filter_object(gallery_filter: GalleryFilter) -> dict[str, object]:
    """The filter as history.json's header states it: every field, by its name; lists for tuples."""

    def plain(value: object) -> object:
        if isinstance(value, tuple):
            return list(value)
        return value.isoformat() if isinstance(value, date) else value

    return {f.name: plain(getattr(gallery_filter, f.name)) for f in fields(gallery_filter)}


def cell(value: object) -> object:
    """Booleans as true/false, as in JSON; a missing parameter is an empty cell."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value
