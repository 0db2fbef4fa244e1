"""The prompt lab: team templates and their versions, experiments with their axes and cells, ratings, and presets.

Templates, experiments and presets are shared by the whole team; `user_id` says who saved or ran each (and so who
each cell was charged to). A cell's job is an ordinary generation (origin "lab"), so its image sits in the member's
gallery. JSON columns are read back only through core.domain.lab's parsers.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.tables.base import NEVER_REUSE_IDS, utcnow


class LabTemplate(SQLModel, table=True):
    __tablename__ = "lab_templates"
    __table_args__ = (NEVER_REUSE_IDS,)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)  # who created it
    name: str = Field(max_length=120, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class LabTemplateVersion(SQLModel, table=True):
    """Every save of a template: older versions stay readable and can be restored (saved again as the newest)."""

    __tablename__ = "lab_template_versions"
    __table_args__ = (UniqueConstraint("template_id", "version"), NEVER_REUSE_IDS)

    id: int | None = Field(default=None, primary_key=True)
    template_id: int = Field(foreign_key="lab_templates.id", ondelete="CASCADE", index=True)
    version: int
    user_id: int = Field(foreign_key="users.id", index=True)  # who saved this version
    prompt: str = Field(sa_column=Column(Text, nullable=False))
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class LabExperiment(SQLModel, table=True):
    __tablename__ = "lab_experiments"
    __table_args__ = (NEVER_REUSE_IDS,)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)  # who ran it: every cell is charged to them
    version_id: int = Field(foreign_key="lab_template_versions.id", index=True)
    name: str = Field(max_length=120)
    model: str = Field(max_length=100)  # the model of every cell unless models are an axis
    # The settings every cell shares unless an axis sweeps them, and the template's fixed variables.
    settings: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    variables: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    rerun_of: int | None = Field(default=None, index=True)  # the experiment this one re-ran with one axis changed
    changed_axis: int | None = None  # which axis (0 columns, 1 rows, 2 pages) the re-run changed
    created_at: datetime = Field(default_factory=utcnow)
    canceled_at: datetime | None = None


class LabAxis(SQLModel, table=True):
    __tablename__ = "lab_axes"

    experiment_id: int = Field(foreign_key="lab_experiments.id", ondelete="CASCADE", primary_key=True)
    position: int = Field(primary_key=True)  # 0 columns, 1 rows, 2 pages
    kind: str = Field(max_length=20)  # variable | model | input
    name: str = Field(max_length=60)  # the variable's name, "model", or the input's name
    values: list[object] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class LabCell(SQLModel, table=True):
    __tablename__ = "lab_cells"
    __table_args__ = (
        Index("ix_lab_cells_experiment_id_place", "experiment_id", "page", "row", "col", unique=True),
        NEVER_REUSE_IDS,
    )

    id: int | None = Field(default=None, primary_key=True)
    experiment_id: int = Field(foreign_key="lab_experiments.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", index=True)  # the member charged for it
    page: int
    row: int
    col: int
    # Its job (an ordinary generation, origin "lab"); no foreign key: erasing the member's jobs goes its own way.
    generation_id: str = Field(max_length=64, unique=True)
    prompt: str = Field(sa_column=Column(Text, nullable=False))
    model: str = Field(max_length=100)
    settings: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    cost: int
    winner: bool = False  # the best of its row (one per row at most)


class LabRating(SQLModel, table=True):
    """The team's rating of a cell: thumbs, 1-5 stars, or both, with a comment; who rated it last."""

    __tablename__ = "lab_ratings"
    __table_args__ = (NEVER_REUSE_IDS,)

    id: int | None = Field(default=None, primary_key=True)
    cell_id: int = Field(foreign_key="lab_cells.id", ondelete="CASCADE", unique=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    thumbs: str = Field(default="", max_length=4)  # "up" | "down" | ""
    stars: int | None = None  # 1..5
    comment: str = Field(default="", sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)


class LabPreset(SQLModel, table=True):
    """A style for everyone, promoted from a cell: a prompt with one {subject} slot, a model and its settings.
    Never deleted, only retired, so old images' facts can still name it."""

    __tablename__ = "lab_presets"
    __table_args__ = (NEVER_REUSE_IDS,)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)  # who promoted it
    name: str = Field(max_length=60, unique=True)
    prompt: str = Field(sa_column=Column(Text, nullable=False))  # with exactly one {subject}
    model: str = Field(max_length=100)
    settings: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    preview: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # a small WebP of the winning cell
    status: str = Field(default="draft", max_length=12)  # draft | published | retired
    position: int = 0  # the order of the chips on the Generate page
    source_cell_id: int | None = None  # no foreign key: the cell may go with its member's account
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
