"""Domain types shared by services, ports and pages: enums, requests and read models (DTOs)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Generic, Protocol, TypeVar

T = TypeVar("T")


class HasId(Protocol):
    @property
    def id(self) -> int: ...


Keyed = TypeVar("Keyed", bound=HasId)

# The nine aspect ratios FLUX.1 Kontext accepts, widest first.
ASPECT_RATIOS: tuple[str, ...] = ("21:9", "16:9", "4:3", "3:2", "1:1", "2:3", "3:4", "9:16", "9:21")
OUTPUT_FORMATS: tuple[str, ...] = ("jpeg", "png")
MAX_IMAGES_PER_JOB = 4
MAX_PROMPT_CHARS = 2000  # the default of the MAX_PROMPT_CHARS setting


class GenerationKind(StrEnum):
    TEXT_TO_IMAGE = "text_to_image"
    EDIT = "edit"


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"

    @property
    def in_flight(self) -> bool:
        return self in (JobStatus.QUEUED, JobStatus.RUNNING)


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
    input_image: bytes | None = None  # edits only: the source image, already sanitised


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


@dataclass(frozen=True)
class ModelInfo:
    id: str
    label: str
    kind: GenerationKind


class Role(StrEnum):
    """What a user may open. Each role includes the ones before it: user < team < admin."""

    USER = "user"
    TEAM = "team"
    ADMIN = "admin"

    def includes(self, other: Role) -> bool:
        order = list(Role)
        return order.index(self) >= order.index(other)


@dataclass(frozen=True)
class UserView:
    id: int
    email: str
    display_name: str
    role: Role
    balance: int
    session_version: int = 0
    avatar_url: str = ""

    def has_role(self, role: Role) -> bool:
        return self.role.includes(role)


@dataclass(frozen=True)
class SignedIn:
    """The guard's answer: who this browser's sign-in is, and which sign-in (to end it, or keep it)."""

    user: UserView
    session_key: str


@dataclass(frozen=True)
class SignInView:
    created_at: datetime
    ip_prefix: str
    browser: str
    os: str
    current: bool  # the sign-in of the browser asking
    active: bool  # still counts: not signed out, not ended by "sign out everywhere else", not expired


@dataclass(frozen=True)
class Preferences:
    """What the Generate page starts from. An empty model means the engine's first one."""

    model: str = ""
    aspect_ratio: str = "1:1"
    output_format: str = "jpeg"
    num_images: int = 1


@dataclass(frozen=True)
class AdminUserRow:
    id: int
    email: str
    display_name: str
    role: Role
    balance: int
    image_count: int
    last_sign_in_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class AuditFilter:
    actor_id: int | None = None
    action: str = ""
    since: date | None = None  # inclusive, UTC days
    until: date | None = None  # inclusive


@dataclass(frozen=True)
class AuditEntryView:
    id: int
    created_at: datetime
    actor: str  # the actor's email, "system", or "user #12 (deleted)"
    action: str
    subject: str
    details: str


@dataclass(frozen=True)
class ImageView:
    id: int
    generation_id: str | None
    width: int
    height: int
    content_type: str
    created_at: datetime
    thumb_url: str
    original_url: str
    download_url: str
    source: str  # "generated" | "upload"


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


@dataclass(frozen=True)
class LedgerEntryView:
    id: int
    created_at: datetime
    kind: str
    reason: str
    delta: int
    reference: str


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: int | None  # pass back to get the next (older) page; None on the last page
    total: int


def keyset_page(fetched: Sequence[Keyed], size: int, total: int) -> Page[Keyed]:
    """A page from a keyset query asked for `size + 1` rows: the extra row only says an older page exists."""
    items = list(fetched[:size])
    return Page(items=items, next_cursor=items[-1].id if len(fetched) > size else None, total=total)


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
