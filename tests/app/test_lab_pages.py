"""The Lab through its pages: a user gets nothing; a team member saves a template, sees the exact cost of a grid
before it runs, runs it and opens it; an admin publishes a promoted preset; Generate offers it as a style."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from core.domain import Role
from core.domain.lab import Axis, AxisKind, Plan
from core.services.admin import AdminService
from core.services.lab import LabService
from tests.app.fake_user import claims
from tests.factories import settle
from tests.markdown import unescape

ADMIN = claims("admin-sub", "admin@example.com", name="Ada Admin")
TESS = claims("tess-sub", "tess@example.com", name="Tess Team")


def texts(at: AppTest) -> str:
    kinds = ("error", "info", "caption", "warning", "markdown", "title", "metric")
    return unescape(" | ".join(str(getattr(e, "value", "")) for kind in kinds for e in at.get(kind)))


def _team_member(oidc_app):  # type: ignore[no-untyped-def]
    _, c = oidc_app(TESS)
    admin, _ = oidc_app(ADMIN)
    boss = c.accounts.get(2)
    tess = c.accounts.get(1)
    assert boss is not None and tess is not None
    c.of(AdminService).set_role(boss, tess.id, Role.TEAM)
    return c, c.accounts.get(1)


def test_a_user_opening_the_lab_gets_nothing_but_the_refusal(oidc_app) -> None:
    at, _ = oidc_app(claims("bob-sub", "bob@example.com"), script="pages/lab.py")
    assert not at.exception
    assert "This page is for the team." in texts(at)
    assert not at.tabs and [b.label for b in at.button] == ["Sign out"]  # no builder, no list, no template form


def test_a_team_member_saves_a_template_sees_the_cost_and_runs_a_two_by_two_grid(oidc_app) -> None:
    c, tess = _team_member(oidc_app)
    at, _ = oidc_app(TESS, script="pages/lab.py")
    assert not at.exception
    at.text_input[0].input("Animals")  # the template form, in the Templates tab
    at.text_area[0].input("a {animal} at {time}")
    [save] = [b for b in at.button if b.label == "Save template"]
    at = save.click().run()
    assert not at.exception
    at.selectbox(key="lab.new.axis0").set_value("variable:animal").run()
    at.text_area(key="lab.new.values0").input("fox\nowl").run()
    at.selectbox(key="lab.new.axis1").set_value("variable:time").run()
    at = at.text_area(key="lab.new.values1").input("dawn\ndusk").run()
    assert not at.exception
    [run] = [b for b in at.button if b.label.startswith("Run ")]
    assert run.label == "Run 4 cells · 4 credits" and not run.disabled  # the exact cost before anything runs
    at = run.click().run()
    assert not at.exception
    [experiment] = c.of(LabService).experiments(tess)
    assert at.query_params.get("experiment") == str(experiment.id)
    assert c.accounts.get(tess.id).balance == tess.balance - 4
    for cell in c.of(LabService).experiment(tess, experiment.id).grid:
        settle(c, tess, cell.generation_id)
    at = at.run()
    assert not at.exception
    [progress] = at.get("progress")
    assert progress.proto.text == "4 of 4 cells finished" and progress.value == 100


def test_a_finished_grid_builds_its_four_reports_and_reruns_with_one_axis_changed(oidc_app) -> None:
    c, tess = _team_member(oidc_app)
    lab = c.of(LabService)
    version = lab.save_template(tess, "Animals", "a {animal} at dusk").version_id
    plan = Plan(
        "a {animal} at dusk", "offline-draw", {"seed": 3}, {}, (Axis(AxisKind.VARIABLE, "animal", ("fox", "owl")),)
    )
    first = lab.run(tess, version, "Two animals", plan, c.generation.new_token())
    for cell in lab.experiment(tess, first).grid:
        settle(c, tess, cell.generation_id)
    at, _ = oidc_app(TESS, script="pages/lab.py")
    at.query_params["experiment"] = str(first)
    at = at.run()
    [build] = [b for b in at.button if b.label == "Build the reports"]
    at = build.click().run()
    assert not at.exception
    assert [d.label for d in at.get("download_button")] == ["CSV", "JSON", "Contact sheet", "HTML report"]
    at.text_area(key=f"lab.rerun.values.{first}.0").input("fox\nelk").run()
    [again] = [b for b in at.button if b.label == "Re-run with this change"]
    at = again.click().run()
    assert not at.exception
    rerun = lab.experiments(tess)[0]
    assert (rerun.rerun_of, rerun.changed_axis, rerun.cells) == (first, 0, 2)
    assert at.query_params.get("experiment") == str(rerun.id)
    assert "Changed: {animal}" in texts(at)
