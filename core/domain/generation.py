"""Generation: kinds, job states, engine requests and results, forms, and the read models of jobs and images."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from core.domain.catalogue import GenerationKind

OUTPUT_FORMATS: tuple[str, ...] = ("jpeg", "png")  # what the offline engine writes; models list their own
MAX_IMAGES_PER_JOB = 4
MAX_PROMPT_CHARS = 2000  # the default of the MAX_PROMPT_CHARS setting


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"

    @property
    def in_flight(self) -> bool:
        return self in (JobStatus.QUEUED, JobStatus.RUNNING)


class Origin(StrEnum):
    """Where a job was asked for: Generate and the image view, or a cell of a prompt-lab experiment."""

    STUDIO = "studio"
    LAB = "lab"


class EngineState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"


@dataclass(frozen=True)
class EngineRequest:
    """What an image engine receives. It never carries who asked: engines get prompts only."""

    kind: GenerationKind
    model: str
    prompt: str
    aspect_ratio: str
    seed: int
    num_images: int
    output_format: str
    input_images: tuple[bytes, ...] = ()  # edits and multi-reference: the sources, already sanitised, in order
    # The model's other inputs by our names (core.domain.catalogue.Input), checked against the catalogue.
    options: Mapping[str, object] = field(default_factory=dict)
    # A fill's mask: a clean L-mode PNG the size of the source, white where the region is painted anew.
    mask: bytes | None = None

    @property
    def input_image(self) -> bytes | None:
        return self.input_images[0] if self.input_images else None


@dataclass(frozen=True)
class EngineStatus:
    state: EngineState
    queue_position: int | None = None
    progress: float = 0.0  # 0.0 .. 1.0
    message: str = ""


@dataclass(frozen=True)
class EngineOutput:
    data: bytes
    content_type: str
    seed: int | None = None  # the seed this image was made with, when the engine says
    # Withheld by the engine's safety check: not delivered and not charged. `data` holds the image when the engine
    # handed it over (kept in the withheld store until a person reviews it), else it is empty.
    blocked: bool = False
    timings: Mapping[str, float] = field(default_factory=dict)  # the engine's timings for the job, if reported


@dataclass(frozen=True)
class ImageView:
    id: int
    generation_id: str | None
    width: int
    height: int
    content_type: str
    created_at: datetime
    thumb_url: str
    preview_url: str
    original_url: str
    download_url: str
    source: str  # "generated" | "upload"
    position: int = 0  # its place in its job's batch (0 for the first image)
    seed: int | None = None  # the seed that made this very image, where the engine reported one
    prompt: str = ""  # its job's prompt or instruction ("" for an upload): the source of its alt text
    model: str = ""  # its job's model and kind ("" for an upload)
    kind: str = ""
    favourite: bool = False
    thumbhash: str = ""  # base64 ThumbHash: the blurred placeholder shown while it loads ("" for old images)
    aspect: str = ""  # the named aspect ratio nearest its shape


@dataclass(frozen=True)
class GenerationView:
    id: str
    kind: GenerationKind
    status: JobStatus
    prompt: str
    model: str
    aspect_ratio: str
    seed: int
    num_images: int
    output_format: str
    cost: int
    charged: int
    created_at: datetime
    finished_at: datetime | None
    parent_image_id: int | None
    queue_position: int | None
    progress: float
    status_message: str
    images: list[ImageView] = field(default_factory=list)
    options: Mapping[str, object] = field(default_factory=dict)  # the model's other inputs, by our names
    input_image_ids: tuple[int, ...] = ()  # edits and multi-reference: the sources, in order
    blocked: int = 0  # images the safety filter withheld (never charged)
    provider_request_id: str | None = None
    preset_id: int | None = None  # the style picked on Generate (a lab preset), if any


@dataclass(frozen=True)
class FormLimits:
    """The limits forms state to the user, read from settings."""

    max_prompt_chars: int
    max_upload_bytes: int

    @property
    def max_upload_mb(self) -> float:
        return self.max_upload_bytes / (1024 * 1024)


@dataclass(frozen=True)
class GenerationForm:
    """What the Generate page submits. `seed` None or blank means pick one at random (and record it);
    text is what the user typed, checked by the service."""

    kind: GenerationKind
    prompt: str
    model: str
    aspect_ratio: str = "1:1"
    seed: int | str | None = None
    num_images: int = 1
    output_format: str = "jpeg"
    source_image_id: int | None = None  # edits: an image from the gallery ...
    upload: bytes | None = None  # ... or a new file
    options: Mapping[str, object] = field(default_factory=dict)  # the model's other inputs (catalogue.Input names)
    reference_ids: tuple[int, ...] = ()  # multi-reference: gallery images ...
    reference_uploads: tuple[bytes, ...] = ()  # ... and new files, used in that order
    preset_id: int | None = None  # a style picked on Generate (its prompt already holds the typed subject)

    @property
    def image_ids(self) -> tuple[int, ...]:
        """The gallery images the job starts from, in order."""
        return (*((self.source_image_id,) if self.source_image_id is not None else ()), *self.reference_ids)

    @property
    def image_uploads(self) -> tuple[bytes, ...]:
        """The new files the job starts from, in order (after the gallery images)."""
        return (*((self.upload,) if self.upload is not None else ()), *self.reference_uploads)

    @property
    def image_count(self) -> int:
        return len(self.image_ids) + len(self.image_uploads)
