"""The prompt lab's pure rules: template variables, the cells of an X/Y/Z plan, what may be swept with which
models, typed axis values and presets' {subject}; the cell count and the prompts as properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.domain import GenerationKind, Input, InputSpec, ModelInfo
from core.domain import lab as rules
from core.domain.lab_views import stored_axis, stored_settings
from core.errors import ValidationError

GUIDED = ModelInfo(
    "guided", "Guided", GenerationKind.TEXT_TO_IMAGE,
    (InputSpec(Input.SEED, "seed"), InputSpec(Input.GUIDANCE_SCALE, "guidance_scale", 3.5, minimum=1, maximum=10)),
)  # fmt: skip
PLAIN = ModelInfo("plain", "Plain", GenerationKind.TEXT_TO_IMAGE, (InputSpec(Input.SEED, "seed"),))


def test_variables_are_found_once_in_order_and_rendered() -> None:
    template = "a {animal} in {place} with another {animal}"
    assert rules.variables(template) == ("animal", "place")
    assert rules.render(template, {"animal": "fox", "place": "snow"}) == "a fox in snow with another fox"
    with pytest.raises(ValidationError, match=r"\{place\}"):
        rules.render(template, {"animal": "fox"})


def test_axes_become_columns_rows_and_pages_in_grid_order() -> None:
    plan = rules.Plan(
        "{a} {b} {c}", "plain", {},
        axes=(rules.Axis(rules.AxisKind.VARIABLE, "a", ("1", "2")), rules.Axis(rules.AxisKind.VARIABLE, "b", ("x", "y", "z")),
              rules.Axis(rules.AxisKind.VARIABLE, "c", ("p", "q"))),
    )  # fmt: skip
    cells = rules.cells(plan, 64)
    assert len(cells) == 12
    assert [(c.page, c.row, c.col) for c in cells[:4]] == [(0, 0, 0), (0, 0, 1), (0, 1, 0), (0, 1, 1)]
    assert cells[0].prompt == "1 x p" and cells[-1].prompt == "2 z q"


def test_an_input_only_some_models_take_is_refused_with_the_model_named() -> None:
    axis = rules.Axis(rules.AxisKind.INPUT, "guidance_scale", (2.0, 4.0))
    assert rules.sweep_refusal(axis, [GUIDED]) == ""
    assert "Plain does not take guidance scale" in rules.sweep_refusal(axis, [GUIDED, PLAIN])
    out_of_range = rules.Axis(rules.AxisKind.INPUT, "guidance_scale", (20.0,))
    assert "from 1 to 10" in rules.sweep_refusal(out_of_range, [GUIDED])
    offered, refused = rules.sweepable([GUIDED, PLAIN])
    assert offered == [Input.SEED] and "Plain does not take guidance scale" in refused[Input.GUIDANCE_SCALE]


def test_typed_values_are_checked_against_the_input() -> None:
    spec = GUIDED.accepts(Input.GUIDANCE_SCALE)
    assert rules.parse_values("2, 3.5,2", spec, limit=10) == (2.0, 3.5)
    with pytest.raises(ValidationError, match="takes numbers"):
        rules.parse_values("2, lots", spec, limit=10)
    with pytest.raises(ValidationError, match="from 1 to 10"):
        rules.parse_values("11", spec, limit=10)
    assert rules.parse_values("fox\n\nowl\nfox", None, limit=10) == ("fox", "owl")
    with pytest.raises(ValidationError, match="At most 2"):
        rules.parse_values("a\nb\nc", None, limit=2)


def test_a_preset_prompt_needs_exactly_one_subject() -> None:
    assert rules.check_preset_prompt(" {subject}, ink ") == "{subject}, ink"
    for bad in ("ink", "{subject} and {subject}", "{subject} in {place}"):
        with pytest.raises(ValidationError, match="exactly one"):
            rules.check_preset_prompt(bad)
    assert rules.apply_preset("{subject}, ink", " a {cat} ") == "a {cat}, ink"  # the subject is text, not a template


def test_stored_json_is_read_through_the_parser_and_hostile_values_are_dropped() -> None:
    assert stored_settings({"seed": 3, "evil": "x", "guidance_scale": [1]}) == {"seed": 3}
    assert stored_settings("not a mapping") == {}
    assert stored_axis("bogus", "a", [1]) is None and stored_axis("variable", "a", "x") is None
    axis = stored_axis("variable", "a", ["x", {"y": 1}])
    assert axis is not None and axis.values == ("x",)


sizes = st.lists(st.integers(1, 5), min_size=0, max_size=3)


@given(sizes)
def test_a_plan_has_the_product_of_its_axes_cells_or_is_refused_over_the_cap(lengths: list[int]) -> None:
    names = [f"v{i}" for i in range(len(lengths))]
    axes = tuple(
        rules.Axis(rules.AxisKind.VARIABLE, name, tuple(f"{name}-{k}" for k in range(n)))
        for name, n in zip(names, lengths, strict=True)
    )
    plan = rules.Plan(" ".join("{" + n + "}" for n in names) or "still life", "plain", axes=axes)
    count = math.prod(lengths)
    if count > 20:
        with pytest.raises(ValidationError, match=f"would make {count} cells"):
            rules.cells(plan, 20)
        return
    cells = rules.cells(plan, 20)
    assert len(cells) == count == rules.cell_count(axes)
    assert len({(c.page, c.row, c.col) for c in cells}) == count  # every place once
    assert len({c.prompt for c in cells}) == count  # each cell a different prompt


def test_a_csv_upload_gives_its_columns_or_a_clear_refusal() -> None:
    columns = rules.csv_columns("\ufeffanimal,place\nfox,den\nowl\n".encode(), max_rows=10)
    assert columns == {"animal": ("fox", "owl"), "place": ("den",)}
    assert rules.csv_columns(b"animal\n" + b"x\n" * 50, max_rows=3) == {"animal": ("x", "x", "x")}
    for bad in (b"", b"\xff\xfe\x00broken", b",\n1,2\n"):
        with pytest.raises(ValidationError, match="header row"):
            rules.csv_columns(bad, max_rows=10)
    with pytest.raises(ValidationError, match="larger than 1 MB"):
        rules.csv_columns(b"a\n" + b"x" * rules.MAX_CSV_BYTES, max_rows=10)
