"""The Generate page's draft read back from storage: whatever is stored, the parser keeps only sound values and
never raises."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from core.domain import GenerationKind
from core.domain.studio_draft import StudioDraft, parse_draft

CREATE, EDIT = GenerationKind.TEXT_TO_IMAGE, GenerationKind.EDIT
OFFERED = {CREATE: {"offline-draw"}, EDIT: {"offline-edit"}}


def test_a_draft_comes_back_as_it_was_saved() -> None:
    draft = StudioDraft(
        CREATE,
        {CREATE: "a lighthouse at dusk", EDIT: "sepia"},
        {CREATE: "offline-draw", EDIT: "offline-edit"},
        {"aspect_ratio": "16:9", "num_images": 3, "output_format": "png", "seed": "42", "guidance_scale": 3.5},
    )
    assert parse_draft(draft.to_json(), OFFERED, 2000) == draft


def test_a_model_no_longer_offered_and_hostile_values_are_dropped() -> None:
    stored = {
        "kind": "multi_reference",  # a mode this engine does not offer
        "texts": {"text_to_image": "x" * 2001, "edit": "bad\x00text", "nonsense": "kept nowhere"},
        "models": {"text_to_image": "fal-ai/retired-model", "edit": ["offline-edit"]},
        "settings": {
            "num_images": float("nan"),
            "seed": "1\u202e2",  # a character that turns text around
            "aspect_ratio": {"$gt": ""},
            "no_such_input": 1,
            "output_format": "webp",
            "image_width": 10**30,
        },
    }
    assert parse_draft(stored, OFFERED, 2000) == StudioDraft(settings={"output_format": "webp"})


@given(
    st.recursive(
        st.none() | st.booleans() | st.floats() | st.integers() | st.text(),
        lambda c: st.lists(c) | st.dictionaries(st.text(), c),
    )
)
def test_any_stored_value_parses_without_raising(raw: object) -> None:
    draft = parse_draft(raw, OFFERED, 2000)
    assert draft.kind in (None, CREATE, EDIT)
    assert set(draft.models.values()) <= {"offline-draw", "offline-edit"}
