"""Generation jobs and the images they produced (or that users uploaded to edit)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Index, Text
from sqlalchemy import true as sa_true
from sqlmodel import Field, SQLModel

from db.tables.base import NEVER_REUSE_IDS, utcnow


class Generation(SQLModel, table=True):
    __tablename__ = "generations"
    __table_args__ = (
        Index("ix_generations_user_id_created_at", "user_id", "created_at"),
        Index("ix_generations_status", "status"),
    )

    id: str = Field(primary_key=True, max_length=64)  # the idempotency token from the form
    user_id: int = Field(foreign_key="users.id")
    kind: str = Field(max_length=20)
    status: str = Field(max_length=20)
    prompt: str = Field(sa_column=Column(Text, nullable=False))
    model: str = Field(max_length=100)
    aspect_ratio: str = Field(max_length=10)  # text-to-image only; "" for an edit, whose images keep their own size
    seed: int
    num_images: int
    output_format: str = Field(max_length=10)
    parent_image_id: int | None = None  # no foreign key: the parent may be deleted later
    # The model's other inputs (guidance scale, image size, ...) by our names, exactly as sent.
    options: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    cost: int
    charged: int = 0
    blocked: int = 0  # images the engine's safety filter withheld: never stored, never charged
    provider_request_id: str | None = Field(default=None, max_length=200)
    # How many times we set out to hand the job to the engine (recorded before each call), so a
    # job whose sender died is looked up at the engine rather than sent again blindly.
    send_attempts: int = 0
    # Of those, how many the engine answered with a refusal that proves it did not take the job
    # (a 5xx, a refused connection): those may be retried, within a bounded budget.
    send_failures: int = 0
    engine_errors: int = 0  # consecutive passing failures asking the engine about the job
    timings: dict[str, float] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    queue_position: int | None = None
    progress: float = 0.0
    status_message: str = Field(default="", max_length=500)
    # Whoever works on the job holds the lease (a random owner token) and renews it while working.
    lease_owner: str | None = Field(default=None, max_length=32)
    lease_until: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    # False once no image of the job is left (or its account is being erased): its prompt leaves the search
    # index (migration 0008: the SQLite trigger, the PostgreSQL generated column).
    searchable: bool = Field(default=True, sa_column_kwargs={"server_default": sa_true()})
    # Where it was asked for: "studio" (Generate, the image view) or "lab" (a cell of a prompt-lab experiment, which
    # waits behind studio jobs and does not count towards MAX_JOBS_IN_FLIGHT).
    origin: str = Field(default="studio", max_length=10, sa_column_kwargs={"server_default": "studio"})
    preset_id: int | None = None  # the style picked on Generate (lab_presets; no foreign key: presets only retire)


class GenerationInput(SQLModel, table=True):
    """The images a job started from, in order: an edit's source, a multi-reference job's references."""

    __tablename__ = "generation_inputs"

    generation_id: str = Field(foreign_key="generations.id", primary_key=True, max_length=64)
    position: int = Field(primary_key=True)
    image_id: int = Field(index=True)  # no foreign key: the source may be deleted later, the record stays


class Image(SQLModel, table=True):
    __tablename__ = "images"
    __table_args__ = (
        Index("ix_images_user_id_id", "user_id", "id"),
        Index("ix_images_user_id_favourite_id", "user_id", "favourite", "id"),
        NEVER_REUSE_IDS,
    )

    id: int | None = Field(default=None, primary_key=True)
    # What links name: random, never reused, so a link can only ever open the image it was made for.
    public_id: str = Field(max_length=32, unique=True, index=True)
    user_id: int = Field(foreign_key="users.id")
    generation_id: str | None = Field(default=None, foreign_key="generations.id", index=True)
    position: int = 0
    source: str = Field(default="generated", max_length=20)  # generated | upload
    blob_key: str = Field(max_length=200)
    thumb_key: str = Field(max_length=200)
    # A larger WebP for grids (sharp on a phone at two columns); None for images stored before it existed.
    preview_key: str | None = Field(default=None, max_length=200)
    seed: int | None = None  # the seed that made this very image, where the engine reports one
    content_type: str = Field(max_length=50)
    width: int
    height: int
    size_bytes: int
    aspect: str = Field(default="", max_length=10)  # the named aspect ratio nearest its shape, for the filter
    thumbhash: str = Field(default="", max_length=64)  # base64 ThumbHash: the blurred placeholder while it loads
    favourite: bool = False
    created_at: datetime = Field(default_factory=utcnow)
