"""The prompt lab on the hosted models, through the real fal-client against the local fal server, on SQLite and
PostgreSQL: models swept against an input every one of them takes, priced per model and sent as each model's own
request; an input one chosen model does not take is refused before any charge."""

from __future__ import annotations

import pytest

from core.domain import JobStatus
from core.domain.lab import Axis, AxisKind, Plan
from core.errors import ValidationError
from core.services.lab import LabService
from tests.factories import MovableClock, refreshed
from tests.fal_server import FalServer
from tests.fal_support import assert_money_balances, fal_container, run_to_end

LEAD = "lead@example.com"


def _plan(models: tuple[str, ...], guidance: tuple[float, ...]) -> Plan:
    return Plan(
        "a {thing} at dusk",
        models[0],
        {"seed": 42, "output_format": "jpeg"},
        {"thing": "lighthouse"},
        (Axis(AxisKind.MODEL, "model", models), Axis(AxisKind.INPUT, "guidance_scale", guidance)),
    )


def test_models_against_guidance_are_priced_per_model_and_sent_with_each_value(
    tmp_path, database_url, fal: FalServer
) -> None:
    clock = MovableClock()
    c = fal_container(tmp_path, database_url, fal, clock, admin_emails=LEAD)
    lead = c.accounts.sign_in_local(LEAD).user
    lab = c.of(LabService)
    plan = _plan(("kontext-pro", "flux2-dev"), (2.5, 5.0))
    quote = lab.quote(lead, plan)
    # Kontext [pro] is 40 credits an image; FLUX.2 [dev] 12 a megapixel at its default 1024×768 (rounded up: 1 MP).
    assert (quote.cells, quote.credits, quote.refusal) == (4, 2 * 40 + 2 * 12, "")
    version = lab.save_template(lead, "Dusk", plan.prompt).version_id
    experiment = lab.run(lead, version, "Models by guidance", plan, c.generation.new_token())
    assert refreshed(c, lead).balance == 1000 - quote.credits
    for cell in lab.experiment(lead, experiment).grid:
        assert run_to_end(c, lead, cell.generation_id, clock).status == JobStatus.SUCCEEDED
    kontext = [s.json for s in fal.submits("fal-ai/flux-pro/kontext/text-to-image")]
    flux2 = [s.json for s in fal.submits("fal-ai/flux-2")]
    assert sorted(body["guidance_scale"] for body in kontext) == [2.5, 5.0]  # type: ignore[index]
    assert sorted(body["guidance_scale"] for body in flux2) == [2.5, 5.0]  # type: ignore[index]
    assert {body["prompt"] for body in kontext + flux2} == {"a lighthouse at dusk"}  # type: ignore[index]
    assert {body["seed"] for body in kontext + flux2} == {42}  # type: ignore[index]
    assert refreshed(c, lead).balance == 1000 - quote.credits  # each cell charged exactly its quote
    assert_money_balances(c, lead)


def test_an_input_one_chosen_model_does_not_take_is_refused_with_its_name(
    tmp_path, database_url, fal: FalServer
) -> None:
    c = fal_container(tmp_path, database_url, fal, admin_emails=LEAD)
    lead = c.accounts.sign_in_local(LEAD).user
    lab = c.of(LabService)
    plan = _plan(("kontext-pro", "flux2-pro"), (2.5, 5.0))
    assert "FLUX.2 [pro] does not take guidance scale" in lab.quote(lead, plan).refusal
    version = lab.save_template(lead, "Dusk", plan.prompt).version_id
    with pytest.raises(ValidationError, match=r"FLUX\.2 \[pro\] does not take guidance scale"):
        lab.run(lead, version, "Refused", plan, c.generation.new_token())
    assert refreshed(c, lead).balance == 1000 and fal.submits("fal-ai/flux-pro/kontext/text-to-image") == []
