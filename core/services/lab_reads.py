"""What the lab shows: templates and their versions, the experiments, and one experiment's grid with its cells'
jobs, images and ratings. Team data, read by any team member; each cell's images come as signed links."""

from __future__ import annotations

from dataclasses import replace

from core.domain import Role, UserView
from core.domain.generation import JobStatus
from core.domain.lab import Axis
from core.domain.lab_views import (
    CellView,
    ExperimentView,
    TemplateView,
    VersionView,
    stored_axis,
    stored_settings,
    stored_variables,
)
from core.errors import BlobNotFoundError, NotFoundError, PermissionDeniedError
from core.services.generation import GenerationService
from core.services.generation_views import image_view
from core.services.lab_results import Reports, report_meta, reports, results_frame
from db.repositories.lab import CellRow, ExperimentRow, LabRepository
from db.tables import Image, LabTemplate, LabTemplateVersion
from db.uow import Database

RECENT_EXPERIMENTS = 30


def template_view(template: LabTemplate, version: LabTemplateVersion) -> TemplateView:
    assert template.id is not None and version.id is not None
    return TemplateView(
        template.id, template.name, version.version, version.id, version.prompt, version.note, version.created_at
    )


def require_team(user: UserView) -> None:
    if not user.has_role(Role.TEAM):
        raise PermissionDeniedError("The lab is for the team.")


class LabReads:
    def __init__(self, db: Database, generation: GenerationService) -> None:
        self.db, self.generation = db, generation

    def templates(self, user: UserView) -> list[TemplateView]:
        require_team(user)
        with self.db.reader() as uow:
            return [template_view(t, v) for t, v in uow.of(LabRepository).templates()]

    def versions(self, user: UserView, template_id: int) -> list[VersionView]:
        """Every version of the template, newest first."""
        require_team(user)
        with self.db.reader() as uow:
            rows = uow.of(LabRepository).versions(template_id)
        return [VersionView(v.id or 0, v.version, v.prompt, v.note, v.created_at, v.user_id == user.id) for v in rows]

    def experiments(self, user: UserView, limit: int = RECENT_EXPERIMENTS) -> list[ExperimentView]:
        """The team's latest experiments, newest first, each with its progress (no grid)."""
        require_team(user)
        with self.db.reader() as uow:
            repo = uow.of(LabRepository)
            rows = repo.experiments(limit)
            counts = repo.cell_counts([row.experiment.id for row in rows if row.experiment.id is not None])
        return [_view(user, row, counts.get(row.experiment.id or 0, (0, 0, 0))) for row in rows]

    def experiment(self, user: UserView, experiment_id: int) -> ExperimentView:
        """One experiment with every cell: its job's state, its image once made, its rating and winner mark."""
        return self._read(user, experiment_id)[0]

    def _read(self, user: UserView, experiment_id: int) -> tuple[ExperimentView, list[CellRow]]:
        """The experiment with its grid, and the cells' rows (their images' keys, for the reports)."""
        require_team(user)
        with self.db.reader() as uow:
            repo = uow.of(LabRepository)
            found = repo.experiments(1, experiment_id)
            if not found:
                raise NotFoundError("That experiment does not exist.")
            rows = repo.cells(experiment_id)
        cells = [self._cell(row) for row in rows]
        finished = sum(1 for cell in cells if not cell.status.in_flight)
        view = _view(user, found[0], (len(cells), finished, sum(cell.cost for cell in cells)))
        return replace(view, grid=tuple(cells)), rows

    def reports(self, user: UserView, experiment_id: int) -> Reports:
        """CSV, JSON, the contact sheet and the self-contained HTML report, built now from the stored results."""
        experiment, rows = self._read(user, experiment_id)
        frame = results_frame(experiment, self.generation.model_label)
        images = {cell.id: self._picture(image) for cell, _, image, _ in rows if image is not None and cell.id}
        return reports(frame, images, report_meta(experiment, self.generation.model_label))

    def _picture(self, image: Image) -> bytes:
        try:
            return self.generation.blobs.get(image.preview_key or image.thumb_key)
        except BlobNotFoundError:
            return b""  # the report shows it as unreadable rather than failing the whole download

    def _cell(self, found: CellRow) -> CellView:
        cell, job, image, rating = found
        status = JobStatus(job.status) if job is not None else JobStatus.CANCELED  # its job erased with its member
        return CellView(
            id=cell.id or 0,
            page=cell.page,
            row=cell.row,
            col=cell.col,
            prompt=cell.prompt,
            model=cell.model,
            settings=stored_settings(cell.settings),
            cost=cell.cost,
            status=status,
            progress=job.progress if job is not None else 0.0,
            message=job.status_message if job is not None else "",
            image=image_view(image, self.generation.signer, cell.prompt) if image is not None else None,
            thumbs=rating.thumbs if rating else "",
            stars=rating.stars if rating else None,
            comment=rating.comment if rating else "",
            winner=cell.winner,
            generation_id=cell.generation_id,
        )


def _view(user: UserView, found: ExperimentRow, counts: tuple[int, int, int]) -> ExperimentView:
    row, version, template = found.experiment, found.version, found.template
    axes = [stored_axis(a.kind, a.name, a.values) for a in found.axes]
    kept: tuple[Axis, ...] = tuple(axis for axis in axes if axis is not None)
    label = f"{template.name} v{version.version}" if template and version else "A deleted template"
    return ExperimentView(
        id=row.id or 0,
        name=row.name,
        template=label,
        prompt=version.prompt if version else "",
        version_id=row.version_id,
        model=row.model,
        settings=stored_settings(row.settings),
        variables=stored_variables(row.variables),
        axes=kept,
        created_at=row.created_at,
        mine=row.user_id == user.id,
        cells=counts[0],
        finished=counts[1],
        cost=counts[2],
        canceled=row.canceled_at is not None,
        rerun_of=row.rerun_of,
        changed_axis=row.changed_axis,
    )
