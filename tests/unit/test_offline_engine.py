"""OfflineImageEngine: job lifecycle through its spool, input checks, and the images it returns."""

from __future__ import annotations

import dataclasses
import io
import json
import uuid
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from core.adapters.offline import OfflineImageEngine
from core.domain import EngineRequest, EngineState, GenerationKind
from core.errors import EngineError, EngineInputError, EngineJobLostError


class FakeClock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def new_key() -> str:
    return uuid.uuid4().hex


def _png(width: int = 60, height: int = 40) -> bytes:
    image = Image.new("RGB", (width, height), (20, 120, 220))
    image.putpixel((1, 1), (255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _draw(**changes: object) -> EngineRequest:
    request = EngineRequest(GenerationKind.TEXT_TO_IMAGE, "offline-draw", "a teal kite", "1:1", 5, 1, "png")
    return dataclasses.replace(request, **changes)  # type: ignore[arg-type]


def _edit(**changes: object) -> EngineRequest:
    request = EngineRequest(GenerationKind.EDIT, "offline-edit", "mirror", "1:1", 0, 1, "png", input_images=(_png(),))
    return dataclasses.replace(request, **changes)  # type: ignore[arg-type]


def _open(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def test_the_engine_says_it_is_not_an_ai_model() -> None:
    engine = OfflineImageEngine(Path("unused"))
    assert engine.name == "offline" and engine.is_ai_model is False
    assert [(m.id, m.kind) for m in engine.models()] == [
        ("offline-draw", GenerationKind.TEXT_TO_IMAGE),
        ("offline-edit", GenerationKind.EDIT),
        ("offline-upscale", GenerationKind.UPSCALE),
        ("offline-fill", GenerationKind.FILL),
    ]
    assert all("not AI" in m.label for m in engine.models())


def test_a_job_moves_from_queued_to_running_to_completed_as_time_passes(tmp_path: Path) -> None:
    clock = FakeClock()
    engine = OfflineImageEngine(tmp_path, delay_seconds=10, clock=clock)
    job = engine.submit(_draw(), new_key())
    start = clock.now

    first = engine.status(job)
    clock.now = start + 2.5
    later = engine.status(job)
    assert first.state == later.state == EngineState.QUEUED
    assert first.queue_position is not None and later.queue_position is not None
    assert first.queue_position > later.queue_position >= 1

    clock.now = start + 4
    early = engine.status(job)
    clock.now = start + 9
    late = engine.status(job)
    assert early.state == late.state == EngineState.RUNNING
    assert 0 < early.progress < late.progress < 1
    assert "step" in early.message and "of 6" in early.message

    clock.now = start + 10
    done = engine.status(job)
    assert done.state == EngineState.COMPLETED and done.progress == 1.0


def test_a_job_with_no_delay_is_completed_at_once(tmp_path: Path) -> None:
    engine = OfflineImageEngine(tmp_path, delay_seconds=0)
    job = engine.submit(_draw(), new_key())
    assert engine.status(job).state == EngineState.COMPLETED
    [output] = engine.result(job)
    assert output.content_type == "image/png" and _open(output.data).size == (1024, 1024)


def test_asking_for_the_result_too_early_says_it_is_not_finished(tmp_path: Path) -> None:
    engine = OfflineImageEngine(tmp_path, delay_seconds=5, clock=FakeClock())
    with pytest.raises(EngineError, match="not finished"):
        engine.result(engine.submit(_draw(), new_key()))


@pytest.mark.parametrize("request_id", ["off_" + "0" * 32, "nonsense", "../../etc/passwd", ""])
def test_an_unknown_job_is_reported_lost(tmp_path: Path, request_id: str) -> None:
    engine = OfflineImageEngine(tmp_path, delay_seconds=0)
    with pytest.raises(EngineJobLostError, match="lost track"):
        engine.status(request_id)
    with pytest.raises(EngineJobLostError):
        engine.result(request_id)


@pytest.mark.parametrize(
    ("bad", "complaint"),
    [
        (_draw(model="flux-pro"), "no model"),
        (_draw(model="offline-edit"), "cannot be used"),
        (_edit(model="offline-draw"), "cannot be used"),
        (_draw(aspect_ratio="5:4"), "Aspect ratio"),
        (_draw(output_format="webp"), "format"),
        (_draw(num_images=0), "1 to 4"),
        (_draw(num_images=5), "1 to 4"),
        (_edit(input_images=()), "needs an image"),
        (_edit(input_images=(b"not a picture",)), "could not read"),
        (_edit(prompt="make it look like Monet"), '"make it look like Monet"'),
        (_edit(prompt=""), "describe"),
    ],
)
def test_check_refuses_what_the_engine_cannot_do(tmp_path: Path, bad: EngineRequest, complaint: str) -> None:
    engine = OfflineImageEngine(tmp_path)
    with pytest.raises(EngineInputError, match=complaint):
        engine.check(bad)
    with pytest.raises(EngineInputError):
        engine.submit(bad, new_key())
    assert list(tmp_path.iterdir()) == []  # nothing queued


def test_a_restarted_server_still_finishes_a_job_submitted_before_the_restart(tmp_path: Path) -> None:
    clock = FakeClock()
    job = OfflineImageEngine(tmp_path, delay_seconds=5, clock=clock).submit(_edit(prompt="mirror"), new_key())
    clock.now += 6
    restarted = OfflineImageEngine(tmp_path, delay_seconds=5, clock=clock)
    assert restarted.status(job).state == EngineState.COMPLETED
    [output] = restarted.result(job)
    assert _open(output.data).convert("RGB").getpixel((58, 1)) == (255, 255, 255)


def test_the_spool_record_holds_the_request_but_not_the_image_bytes(tmp_path: Path) -> None:
    job = OfflineImageEngine(tmp_path, clock=FakeClock(123.0)).submit(_edit(), new_key())
    record = json.loads((tmp_path / f"{job}.json").read_text())
    assert job.startswith("off_")
    assert record["prompt"] == "mirror" and record["submitted_at"] == 123.0 and "input_image" not in record
    assert (tmp_path / f"{job}.input").read_bytes() == _png()


def test_several_pictures_from_one_prompt_differ_and_the_first_matches_a_single_picture_job(tmp_path: Path) -> None:
    engine = OfflineImageEngine(tmp_path, delay_seconds=0)
    pair = engine.result(engine.submit(_draw(num_images=2, output_format="jpeg"), new_key()))
    [single] = engine.result(engine.submit(_draw(num_images=1, output_format="jpeg"), new_key()))
    assert [o.content_type for o in pair] == ["image/jpeg", "image/jpeg"]
    assert pair[0].data != pair[1].data
    assert pair[0].data == single.data


def test_an_edit_returns_the_edited_picture_as_many_times_as_asked(tmp_path: Path) -> None:
    engine = OfflineImageEngine(tmp_path, delay_seconds=0)
    outputs = engine.result(
        engine.submit(_edit(prompt="rotate 90 degrees", num_images=2, output_format="jpeg"), new_key())
    )
    assert len(outputs) == 2 and outputs[0].data == outputs[1].data
    image = _open(outputs[0].data)
    assert image.format == "JPEG" and image.size == (40, 60)


def test_an_edited_transparent_picture_can_be_saved_as_jpeg(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    Image.new("RGBA", (30, 30), (0, 0, 0, 0)).save(buffer, format="PNG")
    engine = OfflineImageEngine(tmp_path, delay_seconds=0)
    [output] = engine.result(
        engine.submit(_edit(prompt="sepia", input_images=(buffer.getvalue(),), output_format="jpeg"), new_key())
    )
    assert _open(output.data).convert("RGB").getpixel((15, 15)) == (255, 255, 255)  # transparency becomes white


def test_results_can_be_fetched_again_until_the_job_is_cancelled(tmp_path: Path) -> None:
    engine = OfflineImageEngine(tmp_path, delay_seconds=0)
    job = engine.submit(_draw(), new_key())
    assert engine.result(job) == engine.result(job)
    engine.cancel(job)
    with pytest.raises(EngineJobLostError):
        engine.status(job)
    assert list(tmp_path.iterdir()) == []
    engine.cancel(job)  # cancelling again, or an unknown id, is harmless
    engine.cancel("nonsense")


def test_jobs_older_than_a_day_are_cleared_when_a_new_job_arrives(tmp_path: Path) -> None:
    clock = FakeClock()
    engine = OfflineImageEngine(tmp_path, delay_seconds=0, clock=clock)
    old, recent = engine.submit(_edit(), new_key()), None
    clock.now += 20 * 3600
    recent = engine.submit(_draw(), new_key())
    clock.now += 5 * 3600
    engine.submit(_draw(), new_key())
    with pytest.raises(EngineJobLostError):
        engine.status(old)
    assert not (tmp_path / f"{old}.input").exists()
    assert engine.status(recent).state == EngineState.COMPLETED


def test_different_edits_of_the_same_picture_give_different_results(tmp_path: Path) -> None:
    engine = OfflineImageEngine(tmp_path, delay_seconds=0)
    [mirrored] = engine.result(engine.submit(_edit(prompt="mirror"), new_key()))
    [inverted] = engine.result(engine.submit(_edit(prompt="invert"), new_key()))
    assert ImageChops.difference(_open(mirrored.data).convert("RGB"), _open(inverted.data).convert("RGB")).getbbox()
