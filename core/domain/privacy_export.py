"""The privacy centre's export of everything: its files' names and columns, and the typed rows of
generations.json and generations.csv (documented by docs/privacy-export.schema.json)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from core.domain.export import PARAM_NAMES, cell, iso_utc

SCHEMA = "atelier-privacy-export/1"
SCHEMA_FILE = "docs/privacy-export.schema.json"
UPLOAD = "upload"

JOB_COLUMNS: tuple[str, ...] = (
    "generation_id",
    "created_at",
    "finished_at",
    "kind",
    "status",
    "model",
    "prompt",
    *(f"param_{name}" for name in PARAM_NAMES),
    "aspect_ratio",
    "seed",
    "num_images",
    "output_format",
    "cost",
    "charged",
    "blocked",
    "provider_request_id",
    "input_image_ids",
    "withheld",
)
IMAGE_COLUMNS: tuple[str, ...] = (
    "image_id",
    "image_public_id",
    "file",
    "image_created_at",
    "image_seed",
    "width",
    "height",
    "format",
    "size_bytes",
    "cost_credits",
    "favourite",
    "collections",
)
GENERATION_COLUMNS = JOB_COLUMNS + IMAGE_COLUMNS
CREDIT_COLUMNS = ("time", "kind", "delta", "reason", "reference", "balance_after")
ORDER_COLUMNS = (
    "public_id",
    "offer",
    "kind",
    "credits",
    "amount",
    "currency",
    "provider",
    "status",
    "created_at",
    "paid_at",
    "amount_refunded",
    "dispute_status",
)
CONSENT_COLUMNS = ("purpose", "granted", "policy_version", "source", "time")
ACKNOWLEDGEMENT_COLUMNS = ("document", "version", "acknowledged_at")
SIGN_IN_COLUMNS = ("time", "browser", "os", "ip_prefix", "ended_at")
REQUEST_COLUMNS = (
    "reference",
    "kind",
    "status",
    "channel",
    "detail",
    "answer",
    "received_at",
    "due_at",
    "completed_at",
)
EMAIL_COLUMNS = ("created_at", "kind", "purpose", "subject", "status", "sent_at")
SHARE_COLUMNS = ("image_id", "link", "with_prompt", "size", "created_at", "revoked_at")
LAB_TEMPLATE_COLUMNS = ("template_id", "version", "prompt", "note", "saved_at")
LAB_EXPERIMENT_COLUMNS = ("experiment_id", "name", "template_version_id", "model", "settings", "variables", "created_at",
                          "canceled_at")  # fmt: skip
LAB_CELL_COLUMNS = ("experiment_id", "page", "row", "column", "generation_id", "prompt", "model", "settings", "cost",
                    "winner")  # fmt: skip
LAB_RATING_COLUMNS = ("cell_id", "thumbs", "stars", "comment", "updated_at")
LAB_PRESET_COLUMNS = ("preset_id", "name", "prompt", "model", "status", "created_at")
# Every CSV of the archive besides generations.csv, in the archive's order, with its header.
TABLE_FILES: dict[str, tuple[str, ...]] = {
    "credits.csv": CREDIT_COLUMNS,
    "orders.csv": ORDER_COLUMNS,
    "consents.csv": CONSENT_COLUMNS,
    "policy_acknowledgements.csv": ACKNOWLEDGEMENT_COLUMNS,
    "sign_ins.csv": SIGN_IN_COLUMNS,
    "privacy_requests.csv": REQUEST_COLUMNS,
    "emails.csv": EMAIL_COLUMNS,
    "shares.csv": SHARE_COLUMNS,
    "lab_templates.csv": LAB_TEMPLATE_COLUMNS,
    "lab_experiments.csv": LAB_EXPERIMENT_COLUMNS,
    "lab_cells.csv": LAB_CELL_COLUMNS,
    "lab_ratings.csv": LAB_RATING_COLUMNS,
    "lab_presets.csv": LAB_PRESET_COLUMNS,
}


@dataclass(frozen=True)
class ExportedImage:
    """One image: the original's name in images/ ("" when it is missing from storage) and its facts."""

    image_id: int
    public_id: str
    file: str
    created_at: datetime
    seed: int | None
    width: int
    height: int
    format: str
    size_bytes: int
    cost_credits: int  # its share of its job's charge (core.domain.export.cost_shares); 0 for an upload
    favourite: bool
    collections: tuple[str, ...]

    def json_object(self) -> dict[str, object]:
        return {
            "image_id": self.image_id,
            "public_id": self.public_id,
            "file": self.file or None,
            "missing": not self.file,
            "created_at": iso_utc(self.created_at),
            "seed": self.seed,
            "width": self.width,
            "height": self.height,
            "format": self.format,
            "size_bytes": self.size_bytes,
            "cost_credits": self.cost_credits,
            "favourite": self.favourite,
            "collections": list(self.collections),
        }

    def csv_cells(self) -> list[object]:
        """The row's IMAGE_COLUMNS part."""
        return [
            self.image_id,
            self.public_id,
            self.file,
            iso_utc(self.created_at),
            self.seed,
            self.width,
            self.height,
            self.format,
            self.size_bytes,
            self.cost_credits,
            cell(self.favourite),
            "; ".join(self.collections),
        ]


@dataclass(frozen=True)
class WithheldImage:
    """An output the engine's automated safety check withheld: its review status, never its bytes."""

    position: int
    status: str  # withheld | pending | released | blocked
    requested_at: datetime | None
    decided_at: datetime | None

    def json_object(self) -> dict[str, object]:
        return {
            "position": self.position,
            "status": self.status,
            "review_requested_at": optional_utc(self.requested_at),
            "decided_at": optional_utc(self.decided_at),
        }


@dataclass(frozen=True)
class ExportedJob:
    """One generation job with everything it was asked, what it cost, and what it made or had withheld."""

    id: str
    created_at: datetime
    finished_at: datetime | None
    kind: str
    status: str
    model: str
    prompt: str
    parameters: Mapping[str, object]
    aspect_ratio: str
    seed: int
    num_images: int
    output_format: str
    cost: int
    charged: int
    blocked: int
    provider_request_id: str | None
    timings: Mapping[str, float] | None
    input_image_ids: tuple[int, ...]
    images: tuple[ExportedImage, ...]
    withheld: tuple[WithheldImage, ...]
    mask_file: str = ""  # a region fill's brushed mask, in the ZIP ("masks/<job id>.png"); "" for other jobs

    def json_object(self) -> dict[str, object]:
        return {
            "generation_id": self.id,
            "created_at": iso_utc(self.created_at),
            "finished_at": optional_utc(self.finished_at),
            "kind": self.kind,
            "status": self.status,
            "model": self.model,
            "prompt": self.prompt,
            "parameters": dict(sorted(self.parameters.items())),
            "aspect_ratio": self.aspect_ratio,
            "seed": self.seed,
            "num_images": self.num_images,
            "output_format": self.output_format,
            "cost": self.cost,
            "charged": self.charged,
            "blocked": self.blocked,
            "provider_request_id": self.provider_request_id,
            "timings": dict(self.timings) if self.timings else None,
            "input_image_ids": list(self.input_image_ids),
            "images": [image.json_object() for image in self.images],
            "withheld": [item.json_object() for item in self.withheld],
            **({"mask_file": self.mask_file} if self.mask_file else {}),
        }

    def csv_rows(self) -> list[list[object]]:
        """One row per image, the job's cells repeated; a job with no image (failed, canceled) has one row."""
        job = [
            self.id,
            iso_utc(self.created_at),
            optional_utc(self.finished_at),
            self.kind,
            self.status,
            self.model,
            self.prompt,
            *(cell(self.parameters.get(name)) for name in PARAM_NAMES),
            self.aspect_ratio,
            self.seed,
            self.num_images,
            self.output_format,
            self.cost,
            self.charged,
            self.blocked,
            self.provider_request_id,
            "; ".join(str(i) for i in self.input_image_ids),
            "; ".join(f"{item.position}: {item.status}" for item in self.withheld),
        ]
        if not self.images:
            return [job + [None] * len(IMAGE_COLUMNS)]
        return [job + image.csv_cells() for image in self.images]


def upload_row(image: ExportedImage) -> list[object]:
    """generations.csv's row of an upload: no job, its kind "upload"."""
    job: list[object] = [None] * len(JOB_COLUMNS)
    job[JOB_COLUMNS.index("kind")] = UPLOAD
    return job + image.csv_cells()


@dataclass(frozen=True)
class PrivacyExportSummary:
    """What the privacy centre says before the download: what it holds, and about how large it will be."""

    generation_count: int
    image_count: int
    total_bytes_estimate: int


def optional_utc(moment: datetime | None) -> str | None:
    return iso_utc(moment) if moment is not None else None
