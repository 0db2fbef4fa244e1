"""The prompt lab's rows: templates and versions, experiments with axes and cells (read with their jobs and
images), ratings, winners and presets. Team data: the services check the role; nothing here commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import case, delete, func, update
from sqlalchemy import select as sa_select
from sqlalchemy.orm import defer
from sqlmodel import col, select

from db.repositories.base import Repository
from db.repositories.generations import IN_FLIGHT
from db.tables import (
    Generation,
    Image,
    LabAxis,
    LabCell,
    LabExperiment,
    LabPreset,
    LabRating,
    LabTemplate,
    LabTemplateVersion,
)

CellRow = tuple[LabCell, Generation | None, Image | None, LabRating | None]


class ExperimentRow(NamedTuple):
    experiment: LabExperiment
    version: LabTemplateVersion | None
    template: LabTemplate | None
    axes: list[LabAxis]


class LabRepository(Repository):
    def add(self, row: object) -> None:
        self.session.add(row)
        self.session.flush()

    # Templates
    def template(self, template_id: int) -> LabTemplate | None:
        return self.session.get(LabTemplate, template_id)

    def template_by_name(self, name: str) -> LabTemplate | None:
        return self.session.exec(select(LabTemplate).where(LabTemplate.name == name)).first()

    def templates(self) -> Sequence[tuple[LabTemplate, LabTemplateVersion]]:
        """Every template with its newest version, the most recently saved first."""
        newest = (
            sa_select(col(LabTemplateVersion.template_id), func.max(col(LabTemplateVersion.version)).label("version"))
            .group_by(col(LabTemplateVersion.template_id))
            .subquery()
        )
        query = (
            select(LabTemplate, LabTemplateVersion)
            .join(LabTemplateVersion, col(LabTemplateVersion.template_id) == col(LabTemplate.id))
            .join(
                newest,
                (newest.c.template_id == col(LabTemplateVersion.template_id))
                & (newest.c.version == col(LabTemplateVersion.version)),
            )
            .order_by(col(LabTemplate.updated_at).desc(), col(LabTemplate.id).desc())
        )
        return [(t, v) for t, v in self.session.exec(query).all()]

    def versions(self, template_id: int) -> Sequence[LabTemplateVersion]:
        query = select(LabTemplateVersion).where(LabTemplateVersion.template_id == template_id)
        return self.session.exec(query.order_by(col(LabTemplateVersion.version).desc())).all()

    def version(self, version_id: int) -> LabTemplateVersion | None:
        return self.session.get(LabTemplateVersion, version_id)

    def last_version_number(self, template_id: int) -> int:
        query = sa_select(func.max(LabTemplateVersion.version)).where(
            col(LabTemplateVersion.template_id) == template_id
        )
        return int(self.session.execute(query).scalar_one() or 0)

    # Experiments
    def experiments(self, limit: int, experiment_id: int | None = None) -> list[ExperimentRow]:
        """The latest experiments (or the one asked for), newest first, each with its template version and template
        (None once deleted) and its axes in order: one read for the rows, one for every axis."""
        query = (
            select(LabExperiment, LabTemplateVersion, LabTemplate)
            .outerjoin(LabTemplateVersion, col(LabTemplateVersion.id) == col(LabExperiment.version_id))
            .outerjoin(LabTemplate, col(LabTemplate.id) == col(LabTemplateVersion.template_id))
        )
        if experiment_id is not None:
            query = query.where(LabExperiment.id == experiment_id)
        rows = self.session.exec(query.order_by(col(LabExperiment.id).desc()).limit(limit)).all()
        ids = [row.id for row, _, _ in rows if row.id is not None]
        axes: dict[int, list[LabAxis]] = {eid: [] for eid in ids}
        if ids:
            found = select(LabAxis).where(col(LabAxis.experiment_id).in_(ids)).order_by(col(LabAxis.position))
            for axis in self.session.exec(found).all():
                axes[axis.experiment_id].append(axis)
        return [ExperimentRow(row, version, template, axes.get(row.id or 0, [])) for row, version, template in rows]

    def experiment_of_job(self, generation_id: str) -> int | None:
        query = select(LabCell.experiment_id).where(LabCell.generation_id == generation_id)
        return self.session.exec(query).first()

    def cells(self, experiment_id: int) -> list[CellRow]:
        """The experiment's cells in grid order, each with its job, its image (None until made) and its rating."""
        query = (
            select(LabCell, Generation, Image, LabRating)
            .outerjoin(Generation, col(Generation.id) == col(LabCell.generation_id))
            .outerjoin(Image, col(Image.generation_id) == col(LabCell.generation_id))
            .outerjoin(LabRating, col(LabRating.cell_id) == col(LabCell.id))
            .where(LabCell.experiment_id == experiment_id)
            .order_by(col(LabCell.page), col(LabCell.row), col(LabCell.col))
        )
        return [(c, g, i, r) for c, g, i, r in self.session.exec(query).all()]

    def cell(self, cell_id: int) -> LabCell | None:
        return self.session.get(LabCell, cell_id)

    def cell_counts(self, experiment_ids: Sequence[int]) -> dict[int, tuple[int, int, int]]:
        """For each experiment: its cells, how many have finished (made, failed or canceled), and their cost."""
        if not experiment_ids:
            return {}
        done = func.sum(case((col(Generation.status).in_(IN_FLIGHT), 0), else_=1))
        query = (
            sa_select(col(LabCell.experiment_id), func.count(), done, func.sum(col(LabCell.cost)))
            .outerjoin(Generation, col(Generation.id) == col(LabCell.generation_id))
            .where(col(LabCell.experiment_id).in_(experiment_ids))
            .group_by(col(LabCell.experiment_id))
        )
        return {eid: (int(n), int(d or 0), int(c or 0)) for eid, n, d, c in self.session.execute(query).all()}

    def cancel(self, experiment_id: int, now: datetime) -> None:
        statement = update(LabExperiment).where(col(LabExperiment.id) == experiment_id).values(canceled_at=now)
        self.session.execute(statement)

    # Ratings and winners
    def rating(self, cell_id: int) -> LabRating | None:
        return self.session.exec(select(LabRating).where(LabRating.cell_id == cell_id)).first()

    def set_winner(self, cell: LabCell, winner: bool) -> None:
        """The cell becomes its row's only winner (or no longer one)."""
        row = (
            col(LabCell.experiment_id) == cell.experiment_id,
            col(LabCell.page) == cell.page,
            col(LabCell.row) == cell.row,
        )
        self.session.execute(update(LabCell).where(*row).values(winner=False))
        if winner:
            self.session.execute(update(LabCell).where(col(LabCell.id) == cell.id).values(winner=True))

    # Presets
    def preset(self, preset_id: int) -> LabPreset | None:
        return self.session.get(LabPreset, preset_id)

    def preset_by_name(self, name: str) -> LabPreset | None:
        return self.session.exec(select(LabPreset).where(LabPreset.name == name)).first()

    def presets(self, statuses: Sequence[str], *, previews: bool = True) -> Sequence[LabPreset]:
        """The presets in these states, in order; without `previews` their pictures are left unread (Generate
        reads its chips on every run, and shows one picture at most)."""
        query = select(LabPreset).where(col(LabPreset.status).in_(statuses))
        if not previews:
            query = query.options(defer(LabPreset.preview))  # type: ignore[arg-type]
        return self.session.exec(query.order_by(col(LabPreset.position), col(LabPreset.id))).all()

    def next_position(self) -> int:
        return int(self.session.execute(sa_select(func.max(LabPreset.position))).scalar_one() or 0) + 1

    def preset_names(self, preset_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
        """Each preset's name and status (a retired one still names old images' style)."""
        if not preset_ids:
            return {}
        query = sa_select(col(LabPreset.id), col(LabPreset.name), col(LabPreset.status))
        rows = self.session.execute(query.where(col(LabPreset.id).in_(preset_ids))).all()
        return {pid: (name, status) for pid, name, status in rows}

    # Erasure of a member
    def delete_cells_of(self, user_id: int) -> int:
        """The member's cells (their jobs and images go with the account), with every rating of them."""
        mine = select(LabCell.id).where(LabCell.user_id == user_id)
        self.session.execute(delete(LabRating).where(col(LabRating.cell_id).in_(mine)))
        result = self.session.execute(delete(LabCell).where(col(LabCell.user_id) == user_id))
        return int(getattr(result, "rowcount", 0) or 0)

    def delete_experiments_of(self, user_id: int) -> int:
        """The experiments the member ran (their cells went first), with their axes."""
        mine = select(LabExperiment.id).where(LabExperiment.user_id == user_id)
        self.session.execute(delete(LabAxis).where(col(LabAxis.experiment_id).in_(mine)))
        result = self.session.execute(delete(LabExperiment).where(col(LabExperiment.user_id) == user_id))
        return int(getattr(result, "rowcount", 0) or 0)
