"""LabService: the team's templates (every save a version), experiments run as durable jobs (every cell held in
one transaction, all or none), "Cancel the rest", ratings, winners and re-runs with one axis changed."""

from __future__ import annotations

import uuid
from dataclasses import replace

from core.clock import Clock
from core.domain import GenerationKind, Input, Role, UserView
from core.domain import lab as rules
from core.domain.generation import Origin
from core.domain.lab_views import MAX_COMMENT_CHARS, THUMBS, Quote, TemplateView, VersionView
from core.errors import DuplicateKeyError, NotFoundError, PermissionDeniedError, ValidationError
from core.ports import Doorbell
from core.services.generation import GenerationService
from core.services.job_rows import PlannedJob, add_job
from core.services.jobs import JobRunner
from core.services.lab_reads import LabReads, require_team, template_view
from core.services.privacy import refuse_if_restricted
from core.services.validation import check_token
from core.stored_text import TextRule
from db.repositories.lab import LabRepository
from db.tables import LabAxis, LabCell, LabExperiment, LabRating, LabTemplate, LabTemplateVersion
from db.uow import Database

NAME = TextRule("name", rules.MAX_NAME_CHARS, "Give it a name.")
NOTE = TextRule("note", 1000, "", multiline=True, min_chars=0)
COMMENT = TextRule("comment", MAX_COMMENT_CHARS, "", multiline=True, min_chars=0)
_CELL_IDS = uuid.UUID("6f1c7a52-6a0e-4d0c-9a55-0d3f0c1b7a11")  # the namespace of an experiment's cell job ids


class LabService(LabReads):
    def __init__(
        self,
        db: Database,
        generation: GenerationService,
        runner: JobRunner,
        clock: Clock,
        doorbell: Doorbell,
        *,
        max_cells: int,
    ) -> None:
        super().__init__(db, generation)
        self.runner, self.clock, self.doorbell, self.max_cells = runner, clock, doorbell, max_cells

    # Templates
    def save_template(
        self, user: UserView, name: str, prompt: str, note: str = "", template_id: int | None = None
    ) -> TemplateView:
        """A new template, or a new version of `template_id` (its name may change too)."""
        require_team(user)
        name = NAME.clean(name)
        text = TextRule("template", self.generation.limits.max_prompt_chars, "Write the template's prompt.", True)
        prompt, note, now = text.clean(prompt), NOTE.clean(note), self.clock()
        with self.db.uow() as uow:
            repo = uow.of(LabRepository)
            same_name = repo.template_by_name(name)
            if same_name is not None and same_name.id != template_id:
                raise ValidationError(f"A template named “{name}” exists already: open it, or choose another name.")
            template = repo.template(template_id) if template_id is not None else None
            if template_id is not None and template is None:
                raise NotFoundError("That template does not exist any more.")
            if template is None:
                template = LabTemplate(user_id=user.id, name=name, created_at=now, updated_at=now)
            template.name, template.updated_at = name, now
            try:
                repo.add(template)
                assert template.id is not None
                number = repo.last_version_number(template.id) + 1
                version = LabTemplateVersion(
                    template_id=template.id, version=number, user_id=user.id, prompt=prompt, note=note, created_at=now
                )
                repo.add(version)
            except DuplicateKeyError:
                raise ValidationError("Somebody saved this template at the same moment. Save again.") from None
            uow.commit()
            return template_view(template, version)

    def restore(self, user: UserView, version_id: int) -> TemplateView:
        """An older version, saved again as the newest (nothing is overwritten)."""
        require_team(user)
        with self.db.reader() as uow:
            old = uow.of(LabRepository).version(version_id)
            template = uow.of(LabRepository).template(old.template_id) if old else None
        if old is None or template is None or template.id is None:
            raise NotFoundError("That version of the template does not exist.")
        return self.save_template(user, template.name, old.prompt, f"Restored from version {old.version}", template.id)

    def version(self, user: UserView, version_id: int) -> VersionView:
        require_team(user)
        with self.db.reader() as uow:
            found = uow.of(LabRepository).version(version_id)
        if found is None or found.id is None:
            raise NotFoundError("That version of the template does not exist.")
        return VersionView(
            found.id, found.version, found.prompt, found.note, found.created_at, found.user_id == user.id
        )

    # Experiments
    def quote(self, user: UserView, plan: rules.Plan) -> Quote:
        """How many cells and exactly how many credits the plan would hold, or why it cannot run."""
        require_team(user)
        try:
            planned = self._plan(plan, uuid.uuid4().hex)
        except ValidationError as exc:
            return Quote(rules.cell_count(plan.axes), 0, str(exc))
        return Quote(len(planned), sum(job.cost for _, job in planned))

    def run(
        self,
        user: UserView,
        version_id: int,
        name: str,
        plan: rules.Plan,
        token: str,
        *,
        rerun_of: int | None = None,
        changed_axis: int | None = None,
    ) -> int:
        """Create every cell as a queued job with its hold, in one transaction: all of them or none, with the reason
        (too few credits, processing restricted, a refused setting). The same token twice is one experiment."""
        require_team(user)
        token, name = check_token(token), NAME.clean(name)
        planned = self._plan(plan, token)
        if (known := self._experiment_of(planned[0][1].id)) is not None:
            return known
        now = self.clock()
        try:
            with self.db.uow() as uow:
                refuse_if_restricted(uow, user.id)
                repo = uow.of(LabRepository)
                if repo.version(version_id) is None:
                    raise NotFoundError("That version of the template does not exist any more.")
                experiment = LabExperiment(
                    user_id=user.id,
                    version_id=version_id,
                    name=name,
                    model=plan.model,
                    settings=dict(plan.settings),
                    variables=dict(plan.variables),
                    rerun_of=rerun_of,
                    changed_axis=changed_axis,
                    created_at=now,
                )
                repo.add(experiment)
                assert experiment.id is not None
                for position, axis in enumerate(plan.axes):
                    repo.add(LabAxis(experiment_id=experiment.id, position=position, kind=axis.kind.value,
                                     name=axis.name, values=list(axis.values)))  # fmt: skip
                for cell, job in planned:
                    add_job(uow, user.id, job, now, self.generation.waiting, origin=Origin.LAB)
                    repo.add(_cell_row(experiment.id, user.id, cell, job))
                uow.commit()
        except DuplicateKeyError:
            if (known := self._experiment_of(planned[0][1].id)) is not None:
                return known  # a double click raced us: the first one won
            raise ValidationError("This form was already used. Reload the page and run again.") from None
        self.doorbell.ring()
        return experiment.id

    def rerun(
        self, user: UserView, experiment_id: int, position: int, values: tuple[rules.Value, ...], token: str
    ) -> int:
        """The same experiment with one axis's values (or models) changed, as a new experiment linked to it."""
        old = self.experiment(user, experiment_id)
        if not 0 <= position < len(old.axes):
            raise ValidationError("Choose one of the experiment's axes to change.")
        axes = list(old.axes)
        axes[position] = replace(axes[position], values=values)
        plan = rules.Plan(old.prompt, old.model, old.settings, old.variables, tuple(axes))
        name = f"{old.name} · {axes[position].label} changed"[: rules.MAX_NAME_CHARS]
        return self.run(user, old.version_id, name, plan, token, rerun_of=old.id, changed_axis=position)

    def cancel_rest(self, user: UserView, experiment_id: int) -> int:
        """Cancel every cell still queued or running; each releases its hold at once. How many were canceled."""
        found = self.experiment(user, experiment_id)
        if not (found.mine or user.has_role(Role.ADMIN)):
            raise PermissionDeniedError("Only the member who ran it (or an admin) can cancel its cells.")
        canceled = sum(1 for cell in found.grid if cell.status.in_flight and self.runner.cancel(cell.generation_id))
        with self.db.uow() as uow:
            uow.of(LabRepository).cancel(experiment_id, self.clock())
            uow.commit()
        return canceled

    # Ratings and winners
    def rate(
        self, user: UserView, cell_id: int, *, thumbs: str = "", stars: int | None = None, comment: str = ""
    ) -> None:
        require_team(user)
        if thumbs not in (*THUMBS, ""):
            raise ValidationError("Thumbs are up or down.")
        if stars is not None and not 1 <= stars <= 5:
            raise ValidationError("A rating is 1 to 5 stars.")
        comment = COMMENT.clean(comment)
        with self.db.uow() as uow:
            repo = uow.of(LabRepository)
            if repo.cell(cell_id) is None:
                raise NotFoundError("That cell does not exist any more.")
            rating = repo.rating(cell_id) or LabRating(cell_id=cell_id, user_id=user.id)
            rating.user_id, rating.thumbs, rating.stars, rating.comment = user.id, thumbs, stars, comment
            rating.updated_at = self.clock()
            repo.add(rating)
            uow.commit()

    def mark_winner(self, user: UserView, cell_id: int, winner: bool = True) -> None:
        """The cell becomes its row's winner (any earlier winner of the row is unmarked), or stops being one."""
        require_team(user)
        with self.db.uow() as uow:
            repo = uow.of(LabRepository)
            cell = repo.cell(cell_id)
            if cell is None:
                raise NotFoundError("That cell does not exist any more.")
            repo.set_winner(cell, winner)
            uow.commit()

    def _plan(self, plan: rules.Plan, token: str) -> list[tuple[rules.CellPlan, PlannedJob]]:
        """Every cell checked and priced against its model, nothing held: a refusal here costs nothing."""
        offered = {m.id: m for m in self.generation.models(GenerationKind.TEXT_TO_IMAGE)}
        models = [offered.get(model_id) for model_id in rules.models_in_play(plan)]
        if any(model is None for model in models):
            raise ValidationError("Choose models from the list: one of them is not offered any more.")
        for axis in plan.axes:
            if refusal := rules.sweep_refusal(axis, [m for m in models if m is not None]):
                raise ValidationError(refusal)
        cells = rules.cells(plan, self.max_cells)
        planned = []
        for index, cell in enumerate(cells):
            model = offered[cell.model]
            settings = {k: v for k, v in cell.settings.items() if model.accepts(Input(k)) is not None}
            job_id = uuid.uuid5(_CELL_IDS, f"{token}:{index}").hex
            planned.append((cell, self.generation.plan(replace(cell, settings=settings).form(), job_id)))
        return planned

    def _experiment_of(self, generation_id: str) -> int | None:
        with self.db.reader() as uow:
            return uow.of(LabRepository).experiment_of_job(generation_id)


def _cell_row(experiment_id: int, user_id: int, cell: rules.CellPlan, job: PlannedJob) -> LabCell:
    request = job.request
    settings = {**request.options, "seed": request.seed, "output_format": request.output_format}
    if request.aspect_ratio and "image_size" not in request.options:
        settings["aspect_ratio"] = request.aspect_ratio
    return LabCell(
        experiment_id=experiment_id,
        user_id=user_id,
        page=cell.page,
        row=cell.row,
        col=cell.col,
        generation_id=job.id,
        prompt=request.prompt,
        model=request.model,
        settings=settings,
        cost=job.cost,
    )
