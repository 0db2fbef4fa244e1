"""The offline engine's safety check: a word list, not a model. A prompt with a listed word has its images
withheld, still drawn and handed over flagged so a person can review them; other prompts pass."""

from __future__ import annotations

import dataclasses
import uuid
from pathlib import Path

import pytest

from core.adapters.offline import OfflineImageEngine
from core.adapters.offline.safety import FLAGGED_WORDS, flags
from core.domain import EngineRequest, GenerationKind


def _draw(prompt: str, num_images: int = 1) -> EngineRequest:
    request = EngineRequest(GenerationKind.TEXT_TO_IMAGE, "offline-draw", prompt, "1:1", 5, 1, "png")
    return dataclasses.replace(request, num_images=num_images)


def test_a_prompt_with_a_listed_word_is_withheld_and_keeps_its_drawn_images(tmp_path: Path) -> None:
    engine = OfflineImageEngine(tmp_path, delay_seconds=0)
    outputs = engine.result(engine.submit(_draw("A NUDE statue, marble", num_images=2), uuid.uuid4().hex))
    assert [o.blocked for o in outputs] == [True, True]
    assert all(o.data[:4] == b"\x89PNG" and o.content_type == "image/png" for o in outputs)


def test_an_edit_instruction_with_a_listed_word_is_withheld_too(tmp_path: Path) -> None:
    engine = OfflineImageEngine(tmp_path, delay_seconds=0)
    [drawn] = engine.result(engine.submit(_draw("a teal kite"), uuid.uuid4().hex))
    edit = EngineRequest(
        GenerationKind.EDIT, "offline-edit", 'mirror and add a caption "nsfw"', "1:1", 0, 1, "png", (drawn.data,)
    )
    [output] = engine.result(engine.submit(edit, uuid.uuid4().hex))
    assert output.blocked and output.data


@pytest.mark.parametrize("prompt", ["a gorge at dawn", "denuded hills", "a teal kite", ""])
def test_prompts_without_a_listed_whole_word_pass(prompt: str) -> None:
    assert not flags(prompt)


def test_the_engine_says_its_check_is_a_word_list_naming_every_word() -> None:
    note = OfflineImageEngine(Path("unused")).safety_note
    assert "word list, not a model" in note and all(word in note for word in FLAGGED_WORDS)
