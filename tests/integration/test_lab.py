"""The prompt lab through LabService and PresetService on SQLite and PostgreSQL, on the offline engine: templates
and versions, an experiment's cells held in one transaction and run as jobs, Cancel the rest, ratings and
winners that survive a restart, re-runs, presets on Generate, the Lab filter, and the member's erasure."""

from __future__ import annotations

import csv
import io
import json

import pytest
from PIL import Image as PILImage

from core.domain import GenerationKind, JobStatus, Role, UserView
from core.domain.gallery import LAB_KIND, GalleryFilter, GalleryQuery
from core.domain.lab import Axis, AxisKind, Plan
from core.errors import InsufficientCreditsError, PermissionDeniedError, ValidationError
from core.services.admin import AdminService
from core.services.erasure import ErasureService
from core.services.lab import LabService
from core.services.presets import PresetService, PresetStatus
from tests.factories import create_form, refreshed, settle, sign_up
from tests.fal_support import assert_money_balances
from tests.integration.test_privacy_export import everything, table

TEMPLATE = "a {animal} in a {place}, watercolour"
BOSS = "boss@example.com"


@pytest.fixture
def lab_container(containers):  # type: ignore[no-untyped-def]
    """A container whose ADMIN_EMAILS names the boss, and whose erasures run at once."""
    return lambda database_url, **kw: containers(database_url, admin_emails=BOSS, erasure_grace_days=0, **kw)


def _member(c, email: str = "tess@example.com", role: Role = Role.TEAM) -> UserView:  # type: ignore[no-untyped-def]
    admin = c.accounts.sign_in_local(BOSS).user  # an admin: ADMIN_EMAILS names them
    user = sign_up(c, email)
    if role != Role.USER:
        c.of(AdminService).set_role(refreshed(c, admin), user.id, role)
    return refreshed(c, user)


def _grid_plan(animals=("fox", "owl"), seeds=(1, 2, 3)) -> Plan:  # type: ignore[no-untyped-def]
    return Plan(
        TEMPLATE,
        "offline-draw",
        {"aspect_ratio": "1:1", "output_format": "png"},
        {"place": "forest"},
        (Axis(AxisKind.INPUT, "seed", seeds), Axis(AxisKind.VARIABLE, "animal", animals)),
    )


def _run(c, user, plan: Plan | None = None) -> int:  # type: ignore[no-untyped-def]
    lab = c.of(LabService)
    version = lab.save_template(user, "Animals", TEMPLATE, "first try").version_id
    return lab.run(user, version, "Animals by seed", plan or _grid_plan(), c.generation.new_token())


def test_a_two_by_three_experiment_makes_six_cells_and_holds_exactly_its_quote(lab_container, database_url) -> None:
    c = lab_container(database_url)
    tess = _member(c)
    lab = c.of(LabService)
    quote = lab.quote(tess, _grid_plan())
    assert (quote.cells, quote.credits, quote.refusal) == (6, 6, "")
    experiment = lab.experiment(tess, _run(c, tess))
    assert len(experiment.grid) == 6 and experiment.cost == quote.credits
    assert refreshed(c, tess).balance == 20 - quote.credits  # every cell held, in one go
    prompts = {(cell.row, cell.col): cell.prompt for cell in experiment.grid}
    assert prompts[(0, 0)] == "a fox in a forest, watercolour" and prompts[(1, 2)] == "a owl in a forest, watercolour"
    assert {cell.settings["seed"] for cell in experiment.grid} == {1, 2, 3}
    for cell in experiment.grid:  # the worker runs each cell as an ordinary job
        assert settle(c, tess, cell.generation_id).status == JobStatus.SUCCEEDED
    done = lab.experiment(tess, experiment.id)
    assert done.finished == 6 and all(cell.image is not None for cell in done.grid)
    assert refreshed(c, tess).balance == 20 - 6
    assert_money_balances(c, tess)


def test_cancelling_after_two_cells_releases_the_other_four_at_once(lab_container, database_url) -> None:
    c = lab_container(database_url)
    tess = _member(c)
    lab = c.of(LabService)
    experiment = lab.experiment(tess, _run(c, tess))
    for cell in experiment.grid[:2]:
        settle(c, tess, cell.generation_id)
    assert lab.cancel_rest(tess, experiment.id) == 4
    after = lab.experiment(tess, experiment.id)
    assert [cell.status for cell in after.grid].count(JobStatus.CANCELED) == 4 and after.canceled
    assert refreshed(c, tess).balance == 20 - 2  # the four holds came back
    assert_money_balances(c, tess)


def test_an_experiment_the_member_cannot_afford_holds_nothing_and_says_why(lab_container, database_url) -> None:
    c = lab_container(database_url)
    tess = _member(c)
    plan = _grid_plan(animals=("fox", "owl", "cat", "elk"), seeds=(1, 2, 3, 4, 5, 6))  # 24 cells, 20 credits
    with pytest.raises(InsufficientCreditsError):
        _run(c, tess, plan)
    assert refreshed(c, tess).balance == 20
    assert c.of(LabService).experiments(tess) == []  # all or none: no experiment, no cell, no job
    assert c.generation.recent(tess) == []
    assert_money_balances(c, tess)


def test_sweeping_an_input_the_model_does_not_take_is_refused_before_any_charge(lab_container, database_url) -> None:
    c = lab_container(database_url)
    tess = _member(c)
    plan = Plan(
        TEMPLATE,
        "offline-draw",
        {},
        {"animal": "fox", "place": "den"},
        (Axis(AxisKind.INPUT, "guidance_scale", (2.0, 5.0)),),
    )
    quote = c.of(LabService).quote(tess, plan)
    assert "does not take guidance scale" in quote.refusal
    with pytest.raises(ValidationError, match="does not take guidance scale"):
        _run(c, tess, plan)
    assert refreshed(c, tess).balance == 20


def test_a_bigger_experiment_than_the_cap_is_refused_with_the_count(lab_container, database_url) -> None:
    c = lab_container(database_url, lab_max_cells=4)
    tess = _member(c)
    quote = c.of(LabService).quote(tess, _grid_plan())
    assert "would make 6 cells" in quote.refusal and "at most 4" in quote.refusal


def test_running_the_same_form_twice_is_one_experiment(lab_container, database_url) -> None:
    c = lab_container(database_url)
    tess = _member(c)
    lab = c.of(LabService)
    version = lab.save_template(tess, "Animals", TEMPLATE).version_id
    token = c.generation.new_token()
    first = lab.run(tess, version, "Once", _grid_plan(), token)
    assert lab.run(tess, version, "Once", _grid_plan(), token) == first
    assert refreshed(c, tess).balance == 14 and len(lab.experiments(tess)) == 1


def test_ratings_comments_and_winners_survive_a_restart(lab_container, database_url) -> None:
    c = lab_container(database_url)
    tess = _member(c)
    experiment = c.of(LabService).experiment(tess, _run(c, tess))
    first, second = experiment.grid[0], experiment.grid[1]
    c.of(LabService).rate(tess, first.id, thumbs="up", stars=4, comment="Lovely =SUM(A1)")
    c.of(LabService).mark_winner(tess, first.id)
    c.of(LabService).mark_winner(tess, second.id)  # the row's winner moves: one per row
    restarted = lab_container(database_url)  # a new process over the same database
    again = restarted.of(LabService).experiment(tess, experiment.id).grid
    assert (again[0].thumbs, again[0].stars, again[0].comment) == ("up", 4, "Lovely =SUM(A1)")
    assert [cell.winner for cell in again[:3]] == [False, True, False]


def test_template_versions_stay_readable_and_restore_as_the_newest(lab_container, database_url) -> None:
    c = lab_container(database_url)
    tess = _member(c)
    lab = c.of(LabService)
    first = lab.save_template(tess, "Animals", TEMPLATE, "v1")
    lab.save_template(tess, "Animals", "a {animal}, ink", "v2", first.id)
    restored = lab.restore(tess, first.version_id)
    assert (restored.version, restored.prompt) == (3, TEMPLATE)
    assert [v.version for v in lab.versions(tess, first.id)] == [3, 2, 1]
    with pytest.raises(ValidationError, match="exists already"):
        lab.save_template(tess, "Animals", "another")


def test_a_rerun_changes_one_axis_and_pairs_its_cells_with_the_first_run(lab_container, database_url) -> None:
    c = lab_container(database_url)
    tess = _member(c)
    lab = c.of(LabService)
    first = _run(c, tess)
    second = lab.rerun(tess, first, 0, (7, 8, 9), c.generation.new_token())
    rerun = lab.experiment(tess, second)
    assert rerun.rerun_of == first and rerun.changed_axis == 0
    assert {cell.settings["seed"] for cell in rerun.grid} == {7, 8, 9}
    assert [(c_.row, c_.col) for c_ in rerun.grid] == [(c_.row, c_.col) for c_ in lab.experiment(tess, first).grid]


def test_a_user_gets_nothing_from_the_lab(lab_container, database_url) -> None:
    c = lab_container(database_url)
    tess = _member(c)
    _run(c, tess)
    bob = _member(c, "bob@example.com", Role.USER)
    lab = c.of(LabService)
    for call in (lambda: lab.templates(bob), lambda: lab.experiments(bob), lambda: lab.quote(bob, _grid_plan())):
        with pytest.raises(PermissionDeniedError):
            call()


def test_a_promoted_preset_styles_a_users_generation_and_stays_named_once_retired(lab_container, database_url) -> None:
    c = lab_container(database_url)
    tess = _member(c)
    experiment = c.of(LabService).experiment(tess, _run(c, tess))
    settle(c, tess, experiment.grid[0].generation_id)
    presets = c.of(PresetService)
    preset = presets.promote(tess, experiment.grid[0].id, "Watercolour", "{subject}, soft watercolour wash")
    assert preset.status == "draft" and presets.published() == [] and preset.preview[:4] == b"RIFF"
    boss = refreshed(c, c.accounts.sign_in_local(BOSS).user)
    presets.set_status(boss, preset.id, PresetStatus.PUBLISHED)
    assert [p.name for p in presets.published()] == ["Watercolour"]
    bob = _member(c, "bob@example.com", Role.USER)
    form = presets.styled(create_form("a lighthouse"), preset.id)
    job = c.generation.submit(bob, form, c.generation.new_token())
    assert job.prompt == "a lighthouse, soft watercolour wash" and job.preset_id == preset.id
    presets.set_status(boss, preset.id, PresetStatus.RETIRED)
    assert presets.names([preset.id]) == {preset.id: "Watercolour (retired)"}
    with pytest.raises(ValidationError, match="no longer offered"):
        presets.styled(create_form("a boat"), preset.id)


def test_lab_images_are_in_the_members_gallery_under_the_lab_filter(lab_container, database_url) -> None:
    c = lab_container(database_url)
    tess = _member(c)
    experiment = c.of(LabService).experiment(tess, _run(c, tess))
    for cell in experiment.grid[:3]:
        settle(c, tess, cell.generation_id)
    studio = c.generation.submit(tess, create_form(), c.generation.new_token())
    settle(c, tess, studio.id)
    lab_page = c.gallery.page(tess, GalleryQuery(GalleryFilter(kinds=(LAB_KIND,))))
    assert len(lab_page.items) == 3
    assert len(c.gallery.page(tess, GalleryQuery()).items) == 4
    assert LAB_KIND in c.gallery.facets(tess).kinds
    assert [job.id for job in c.generation.recent(tess)] == [studio.id]  # the feed on Generate shows no lab cell


def test_lab_cells_wait_behind_studio_jobs_and_do_not_count_towards_the_jobs_in_flight(
    lab_container, database_url
) -> None:
    c = lab_container(database_url, max_jobs_in_flight=1)
    tess = _member(c)
    _run(c, tess)  # six cells queued
    assert c.generation.limit_reason(tess) == ""
    studio = c.generation.submit(tess, create_form(kind=GenerationKind.TEXT_TO_IMAGE), c.generation.new_token())
    assert c.jobs.claim(1)[0].generation_id == studio.id  # the person at Generate goes first


def test_erasing_a_member_removes_their_cells_ratings_and_experiments_and_keeps_the_templates(
    lab_container, database_url
) -> None:
    c = lab_container(database_url)
    tess = _member(c)
    experiment = _run(c, tess)
    lab = c.of(LabService)
    sam = _member(c, "sam@example.com")
    lab.rate(sam, lab.experiment(sam, experiment).grid[0].id, stars=2, comment="meh")
    erasures = c.of(ErasureService)
    erasures.schedule(tess, "tess@example.com")
    assert erasures.run_due() == 1
    assert lab.experiments(sam) == []  # her experiment, its cells and sam's rating of one went with her
    templates = lab.templates(sam)
    assert [t.name for t in templates] == ["Animals"]  # the team's template stays, named by nobody
    assert not lab.versions(sam, templates[0].id)[0].mine


def test_the_reports_carry_every_cell_with_its_rating_and_the_contact_sheet_every_tile(
    lab_container, database_url
) -> None:
    c = lab_container(database_url)
    tess = _member(c)
    lab = c.of(LabService)
    experiment = lab.experiment(tess, _run(c, tess))
    for cell in experiment.grid:
        settle(c, tess, cell.generation_id)
    lab.rate(tess, experiment.grid[4].id, thumbs="down", stars=2, comment="too dark")
    lab.mark_winner(tess, experiment.grid[4].id)
    reports = lab.reports(tess, experiment.id)
    rows = list(csv.DictReader(io.StringIO(reports.csv.decode("utf-8-sig"))))
    assert len(rows) == 6 and [r["comment"] for r in rows].count("too dark") == 1
    rated = next(r for r in rows if r["comment"] == "too dark")
    assert (rated["thumbs"], rated["stars"], rated["winner"], rated["cost"]) == ("down", "2", "true", "1")
    cells = json.loads(reports.json)["cells"]
    assert len(cells) == 6 and sum(1 for cell in cells if cell["stars"] == 2) == 1
    assert PILImage.open(io.BytesIO(reports.contact_sheet)).format == "PNG"
    assert reports.html.count(b"data:image/") == 6


def test_a_members_privacy_export_holds_their_lab_work(lab_container, database_url) -> None:
    c = lab_container(database_url)
    tess = _member(c)
    lab = c.of(LabService)
    experiment = lab.experiment(tess, _run(c, tess))
    lab.rate(tess, experiment.grid[0].id, thumbs="up", comment="=cmd|' /C calc'!A0")
    archive = everything(c, tess)
    _, versions = table(archive, "lab_templates.csv")
    assert [(v["version"], v["prompt"], v["note"]) for v in versions] == [("1", TEMPLATE, "first try")]
    _, experiments = table(archive, "lab_experiments.csv")
    assert [e["name"] for e in experiments] == ["Animals by seed"]
    _, cells = table(archive, "lab_cells.csv")
    assert len(cells) == 6 and {c_["generation_id"] for c_ in cells} == {c_.generation_id for c_ in experiment.grid}
    _, ratings = table(archive, "lab_ratings.csv")
    assert [(r["thumbs"], r["comment"]) for r in ratings] == [("up", "'=cmd|' /C calc'!A0")]  # no formula
    bob = _member(c, "bob@example.com", Role.USER)
    for name in ("lab_templates.csv", "lab_cells.csv", "lab_ratings.csv"):
        assert table(everything(c, bob), name)[1] == []  # nobody else's lab work
