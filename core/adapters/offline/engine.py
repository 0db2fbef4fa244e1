"""OfflineImageEngine: the ImageEngine that draws and edits locally with Pillow, with jobs kept in a spool directory."""

from __future__ import annotations

import io
import json
import math
import re
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError

from core.adapters.offline import composition, edits, encoding, plan, safety, variation
from core.domain import (
    ASPECT_RATIOS,
    MAX_IMAGES_PER_JOB,
    OUTPUT_FORMATS,
    UPSCALE_FACTOR,
    EngineOutput,
    EngineRequest,
    EngineState,
    EngineStatus,
    GenerationKind,
    ModelInfo,
)
from core.domain.catalogue import local_model
from core.errors import EngineError, EngineInputError, EngineJobLostError
from core.private_files import private_folder, write_private

_KEY = re.compile(r"[0-9a-f]{32}")
_ID = re.compile(r"off_[0-9a-f]{32}")
_QUEUED_SHARE = 0.3  # the first 30% of the simulated delay is spent "in the queue"
_QUEUE_AHEAD = 3  # how many jobs appear to be ahead when a job is submitted
_STEPS = 6
_KEEP_SECONDS = 24 * 3600
_SWEEP_EVERY_SECONDS = 3600.0
_CONTENT_TYPES = {"jpeg": "image/jpeg", "png": "image/png"}
_FROM_IMAGE = frozenset({GenerationKind.EDIT.value, GenerationKind.UPSCALE.value, GenerationKind.FILL.value})
_VERBS = {"edit": "Editing", "upscale": "Upscaling", "fill": "Painting the region"}
_LOST = "The offline engine lost track of this job (it may have been cancelled or cleaned up). Please try again."


class OfflineImageEngine:
    """Not an AI model: it draws abstract pictures from prompt words and applies a fixed edit vocabulary.

    Jobs are files in spool_dir, so a restarted server still finishes them; timing is simulated from
    the submit time so the app's queue and progress display can be exercised without a provider.
    """

    name = "offline"
    is_ai_model = False
    # The vocabulary as a Markdown list; indented continuation lines stay inside their item.
    edit_help = "\n".join(line if line.startswith("  ") else f"- {line}" for line in edits.VOCABULARY.splitlines())
    safety_note = safety.NOTE

    def __init__(
        self,
        spool_dir: Path,
        delay_seconds: float = 2.0,
        clock: Callable[[], float] = time.time,
        *,
        max_pixels: int = 40_000_000,
        credits_per_image: int = 1,
    ) -> None:
        self._models = (
            local_model(
                "offline-draw", "Offline pattern engine (not AI)", GenerationKind.TEXT_TO_IMAGE, credits_per_image
            ),
            local_model("offline-edit", "Offline Pillow editor (not AI)", GenerationKind.EDIT, credits_per_image),
            local_model(
                "offline-upscale", "Offline Lanczos upscaler · 2× (not AI)", GenerationKind.UPSCALE, credits_per_image
            ),
            local_model("offline-fill", "Offline region painter (not AI)", GenerationKind.FILL, credits_per_image),
        )
        self._spool = Path(spool_dir)
        self._delay = max(0.0, delay_seconds)
        self._clock = clock
        self._max_pixels = max_pixels  # no picture at any step of an edit may be larger
        self._next_sweep = 0.0  # reading every record on each submit grows with the queue

    def models(self) -> list[ModelInfo]:
        return list(self._models)

    def check(self, request: EngineRequest) -> None:
        model = next((m for m in self._models if m.id == request.model), None)
        if model is None:
            names = ", ".join(m.id for m in self._models)
            raise EngineInputError(f'The offline engine has no model "{request.model}". It offers: {names}.')
        if model.kind != request.kind:
            raise EngineInputError(f'The model "{model.label}" cannot be used for {request.kind.replace("_", " ")}.')
        if request.aspect_ratio not in ASPECT_RATIOS:
            raise EngineInputError(
                f"Aspect ratio {request.aspect_ratio} is not offered. Choose one of {', '.join(ASPECT_RATIOS)}."
            )
        if request.output_format not in OUTPUT_FORMATS:
            raise EngineInputError(f"Output format {request.output_format} is not offered. Choose jpeg or png.")
        if not 1 <= request.num_images <= MAX_IMAGES_PER_JOB:
            raise EngineInputError(f"You can ask for 1 to {MAX_IMAGES_PER_JOB} images at a time.")
        if request.kind == GenerationKind.EDIT:
            if not request.input_image:
                raise EngineInputError("An edit needs an image to start from.")
            # Sizes come from the header: an edit too big to carry out is refused without decoding a pixel.
            source = plan.source_size(request.input_image)
            plan.plan_edit(source, edits.parse_instruction(request.prompt), self._max_pixels)
        elif request.kind in (GenerationKind.UPSCALE, GenerationKind.FILL):
            if not request.input_image:
                raise EngineInputError("This needs an image to start from.")
            source = plan.source_size(request.input_image)
            plan.plan_edit(source, [], self._max_pixels)  # the source itself within the limit
            if request.kind == GenerationKind.UPSCALE:
                plan.check_upscale(source, UPSCALE_FACTOR, self._max_pixels)

    def submit(self, request: EngineRequest, key: str) -> str:
        """Queue the job under an id made from `key`: submitting the same key again returns the same job."""
        if not _KEY.fullmatch(key):
            raise EngineError("The offline engine needs a job key of 32 hexadecimal digits.")
        self.check(request)
        if request.kind == GenerationKind.FILL and request.mask is None:
            raise EngineInputError("A fill needs the painted region; paint over part of the image and try again.")
        now = self._clock()
        if now >= self._next_sweep:
            self._remove_expired(now)
            self._next_sweep = now + _SWEEP_EVERY_SECONDS
        request_id = f"off_{key}"
        if self._record_path(request_id).exists():
            return request_id
        record: dict[str, Any] = {
            "kind": request.kind.value,
            "model": request.model,
            "prompt": request.prompt,
            "aspect_ratio": request.aspect_ratio,
            "seed": request.seed,
            "num_images": request.num_images,
            "output_format": request.output_format,
            "submitted_at": now,
        }
        try:
            private_folder(self._spool, narrow_existing=True)  # the records hold prompts
            if request.input_image is not None:
                write_private(self._input_path(request_id), request.input_image)
            if request.mask is not None:
                write_private(self._mask_path(request_id), request.mask)
            # The record is written last: a job only exists once its input is safely on disk.
            write_private(self._record_path(request_id), json.dumps(record).encode())
        except OSError as exc:
            raise EngineError("The offline engine could not queue the job (its spool folder is not writable).") from exc
        return request_id

    def status(self, request_id: str) -> EngineStatus:
        record = self._load(request_id)
        elapsed = max(0.0, self._clock() - float(record["submitted_at"]))
        if elapsed >= self._delay:
            return EngineStatus(EngineState.COMPLETED, progress=1.0, message="Done")
        queued_for = self._delay * _QUEUED_SHARE
        if elapsed < queued_for:
            position = max(1, math.ceil(_QUEUE_AHEAD * (1 - elapsed / queued_for)))
            return EngineStatus(EngineState.QUEUED, queue_position=position, message=f"In queue, position {position}")
        share = (elapsed - queued_for) / (self._delay - queued_for)
        step = min(_STEPS, int(share * _STEPS) + 1)
        verb = _VERBS.get(record["kind"], "Drawing")
        return EngineStatus(
            EngineState.RUNNING, progress=step / (_STEPS + 1), message=f"{verb}, step {step} of {_STEPS}"
        )

    def result(self, request_id: str) -> list[EngineOutput]:
        if self.status(request_id).state != EngineState.COMPLETED:
            raise EngineError("The offline engine has not finished this job yet.")
        record = self._load(request_id)
        fmt, count = record["output_format"], int(record["num_images"])
        content_type = _CONTENT_TYPES[fmt]
        blocked = safety.flags(record["prompt"])  # drawn all the same: a person may release them
        seed = int(record["seed"])
        if record["kind"] in _FROM_IMAGE:
            source = self._read(self._input_path(request_id))
            try:
                picture, own_seed = self._from_image(record, request_id, source, seed)
                data = encoding.encode(picture, fmt)
            except (OSError, ValueError) as exc:  # e.g. a pixel format Pillow cannot convert
                raise EngineError("The offline editor could not edit this image.") from exc
            return [EngineOutput(data, content_type, own_seed, blocked=blocked) for _ in range(count)]
        return [
            EngineOutput(
                composition.render(record["prompt"], seed + i, record["aspect_ratio"], fmt),
                content_type,
                seed + i,
                blocked=blocked,
            )
            for i in range(count)
        ]

    def _from_image(
        self, record: dict[str, Any], request_id: str, source: bytes, seed: int
    ) -> tuple[Image.Image, int | None]:
        """An edit, an upscale or a fill of the spooled source, and the seed it used (None when none played a part),
        planned again here: a job spooled before a limit changed must not run unchecked."""
        size = plan.source_size(source)
        if record["kind"] == GenerationKind.UPSCALE.value:
            plan.check_upscale(size, UPSCALE_FACTOR, self._max_pixels)
            return variation.upscale(_open_image(source), UPSCALE_FACTOR), None
        if record["kind"] == GenerationKind.FILL.value:
            plan.plan_edit(size, [], self._max_pixels)
            mask = variation.open_mask(self._read(self._mask_path(request_id)))
            return variation.fill(_open_image(source), mask, record["prompt"], seed, record["aspect_ratio"]), seed
        operations = [replace(op, seed=seed) for op in edits.parse_instruction(record["prompt"])]
        plan.plan_edit(size, operations, self._max_pixels)
        varied = any(op.name == "vary" for op in operations)
        return edits.apply_operations(_open_image(source), operations), seed if varied else None

    def _read(self, path: Path) -> bytes:
        try:
            return path.read_bytes()
        except OSError as exc:
            raise EngineJobLostError(_LOST) from exc

    def find(self, key: str) -> str | None:
        request_id = f"off_{key}"
        return request_id if _KEY.fullmatch(key) and self._record_path(request_id).exists() else None

    def cancel(self, request_id: str) -> None:
        self.forget(request_id)

    def forget(self, request_id: str) -> None:
        """Delete the job's spool files: its prompt and its input image go with it."""
        if _ID.fullmatch(request_id):
            self._record_path(request_id).unlink(missing_ok=True)
            self._input_path(request_id).unlink(missing_ok=True)
            self._mask_path(request_id).unlink(missing_ok=True)

    def _record_path(self, request_id: str) -> Path:
        return self._spool / f"{request_id}.json"

    def _input_path(self, request_id: str) -> Path:
        return self._spool / f"{request_id}.input"

    def _mask_path(self, request_id: str) -> Path:
        return self._spool / f"{request_id}.mask"

    def _load(self, request_id: str) -> dict[str, Any]:
        # The id pattern also keeps a crafted id from reading files outside the spool.
        if not _ID.fullmatch(request_id):
            raise EngineJobLostError(_LOST)
        try:
            record = json.loads(self._record_path(request_id).read_text())
            float(record["submitted_at"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise EngineJobLostError(_LOST) from exc
        return dict(record)

    def _remove_expired(self, now: float) -> None:
        if not self._spool.is_dir():
            return
        for path in self._spool.glob("off_*.json"):
            try:
                expired = now - float(json.loads(path.read_text())["submitted_at"]) > _KEEP_SECONDS
            except (OSError, ValueError, KeyError, TypeError):
                expired = False  # unreadable: it may be mid-write by another process, leave it
            if expired:
                self.cancel(path.stem)


def _open_image(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise EngineInputError("The offline editor could not read the source image.") from exc
    return image
