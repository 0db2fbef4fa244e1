"""The prompt lab: the team's templates, experiments (cells run as ordinary jobs by the worker), ratings, reports
and presets; the published presets are the Generate page's styles. Its tables on the map of personal data: a
member's ratings, cells and experiments go with their account; templates and presets are the team's shared work
and stay, moved to the pseudonym account."""

from core.container import Container
from core.personal_data import (
    Category,
    ErasureContext,
    OnErasure,
    PersonalData,
    count_rows,
    delete_rows,
    move_rows,
)
from core.registry import Capability
from core.services.generation import GenerationService
from core.services.lab import LabService
from core.services.presets import PresetService
from db.repositories.lab import LabRepository

SHARED = "the team's shared work: it stays, with nothing left that names you (it moves to the erased account)"


def lab(c: Container) -> LabService:
    return LabService(c.db, c.of(GenerationService), c.jobs, c.clock, c.doorbell, max_cells=c.settings.lab_max_cells)


def presets(c: Container) -> PresetService:
    return PresetService(c.db, c.blobs, c.clock, max_prompt_chars=c.settings.max_prompt_chars)


def _delete_cells(ctx: ErasureContext) -> int:
    return ctx.uow.of(LabRepository).delete_cells_of(ctx.user_id)


def _delete_experiments(ctx: ErasureContext) -> int:
    return ctx.uow.of(LabRepository).delete_experiments_of(ctx.user_id)


PERSONAL_DATA = (
    PersonalData(
        "table:lab_ratings",
        Category.CREATIONS,
        "Your ratings and comments on prompt-lab cells (team members only)",
        "lab_ratings.csv",
        OnErasure.DELETE,
        14,
        delete_rows("lab_ratings"),
        count_rows("lab_ratings"),
    ),
    PersonalData(
        "table:lab_cells",
        Category.CREATIONS,
        "The cells of your prompt-lab experiments: each cell's prompt, model, settings and cost",
        "lab_cells.csv",
        OnErasure.DELETE,
        15,
        _delete_cells,
        count_rows("lab_cells"),
    ),
    PersonalData(
        "table:lab_experiments",
        Category.CREATIONS,
        "The prompt-lab experiments you ran: name, template version, model, settings and axes",
        "lab_experiments.csv",
        OnErasure.DELETE,
        16,
        _delete_experiments,
        count_rows("lab_experiments"),
    ),
    PersonalData(
        "table:lab_template_versions",
        Category.CREATIONS,
        "The prompt-lab template versions you saved: the prompt and its note",
        "lab_templates.csv",
        OnErasure.PSEUDONYMISE,
        17,
        move_rows("lab_template_versions"),
        count_rows("lab_template_versions"),
        reason="templates are " + SHARED,
    ),
    PersonalData(
        "table:lab_templates",
        Category.CREATIONS,
        "Which prompt-lab templates you created",
        "lab_templates.csv",
        OnErasure.PSEUDONYMISE,
        18,
        move_rows("lab_templates"),
        count_rows("lab_templates"),
        reason="templates are " + SHARED,
    ),
    PersonalData(
        "table:lab_presets",
        Category.CREATIONS,
        "The presets (styles) you promoted from the lab",
        "lab_presets.csv",
        OnErasure.PSEUDONYMISE,
        19,
        move_rows("lab_presets"),
        count_rows("lab_presets"),
        reason="presets are styles offered to everyone, " + SHARED,
    ),
)

CAPABILITY = Capability(
    name="lab",
    services={LabService: lab, PresetService: presets},
    personal_data=PERSONAL_DATA,
)
