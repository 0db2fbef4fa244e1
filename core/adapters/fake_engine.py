"""FakeImageEngine: a scriptable ImageEngine shipped in the tree, for tests of failure paths and crashes."""

from __future__ import annotations

import io
import time
from collections import Counter
from collections.abc import Callable

from PIL import Image

from core.domain import EngineOutput, EngineRequest, EngineState, EngineStatus, GenerationKind, ModelInfo
from core.domain.catalogue import local_model
from core.errors import EngineError, EngineInputError, EngineJobLostError


class SimulatedCrash(BaseException):
    """The process dying mid-call: not an Exception, so no handler in the app catches it."""


class FakeImageEngine:
    """Completes jobs after `polls_until_done` status calls (the first `queued_polls` of them say
    "queued"), or fails or crashes where told to.

    Failures the engine reports: `fail_submit` / `fail_result` raise EngineError; `explode_submit`
    / `explode_result` raise an unexpected error (the engine itself crashing, e.g. MemoryError).
    Process crashes: `crash_before_accept` / `crash_after_accept` make the next N submits die
    with SimulatedCrash before or after the engine took the job. `deliver` caps how many images
    come back; `garbage` returns bytes that are not an image; `cannot_find` makes find() unable
    to tell (like an engine with no lookup by key).

    `interrupt_next(callback, at=...)` runs the callback just before the next call of that
    method (submit, status or result) returns its answer: another writer (a cancel, a timeout) committing while this one
    waits on the engine.

    It is deliberately not idempotent: every accepted submit is counted in `accepted`, so a test
    can prove that no job was handed over twice.
    """

    name = "fake"
    is_ai_model = False
    edit_help = "Any instruction without the word 'unsupported'."

    def __init__(
        self,
        *,
        polls_until_done: int = 0,
        queued_polls: int = 0,
        fail_submit: bool = False,
        fail_result: bool = False,
        explode_submit: bool = False,
        explode_result: bool = False,
        crash_before_accept: int = 0,
        crash_after_accept: int = 0,
        deliver: int | None = None,
        garbage: bool = False,
        cannot_find: bool = False,
        latency_seconds: float = 0.0,
        credits_per_image: int = 1,
    ) -> None:
        self.credits_per_image = credits_per_image
        self.polls_until_done, self.queued_polls = polls_until_done, queued_polls
        self.fail_submit, self.fail_result = fail_submit, fail_result
        self.explode_submit, self.explode_result = explode_submit, explode_result
        self.crash_before_accept, self.crash_after_accept = crash_before_accept, crash_after_accept
        self.deliver = deliver
        self.garbage = garbage
        self.cannot_find = cannot_find
        self.latency = latency_seconds  # how long each call waits on the "network", to widen races
        self.requests: dict[str, EngineRequest] = {}
        self.polls: Counter[str] = Counter()
        self.accepted: Counter[str] = Counter()  # key -> accepted submits (must never exceed 1)
        self.results_fetched: Counter[str] = Counter()
        self.canceled: list[str] = []
        self.forgotten: list[str] = []
        self._interruptions: dict[str, Callable[[], object]] = {}

    def interrupt_next(self, callback: Callable[[], object], *, at: str) -> None:
        self._interruptions[at] = callback

    def _wait(self) -> None:
        if self.latency:
            time.sleep(self.latency)

    def _interrupted(self, method: str) -> None:
        callback = self._interruptions.pop(method, None)
        if callback is not None:
            callback()

    def models(self) -> list[ModelInfo]:
        return [
            local_model("fake-draw", "Fake drawing", GenerationKind.TEXT_TO_IMAGE, self.credits_per_image),
            local_model("fake-edit", "Fake editor", GenerationKind.EDIT, self.credits_per_image),
            local_model("fake-upscale", "Fake upscaler", GenerationKind.UPSCALE, self.credits_per_image),
        ]

    def check(self, request: EngineRequest) -> None:
        if "unsupported" in request.prompt:
            raise EngineInputError("The fake engine refuses prompts that say 'unsupported'.")

    def submit(self, request: EngineRequest, key: str) -> str:
        self._wait()
        if self.crash_before_accept > 0:
            self.crash_before_accept -= 1
            raise SimulatedCrash("died before the engine took the job")
        if self.fail_submit:
            raise EngineError("The image engine is unavailable right now.")
        if self.explode_submit:
            # Real errors often quote their input: a log that printed messages would leak the prompt.
            raise RuntimeError(f"the fake engine crashed while taking {request.prompt!r}")
        request_id = f"fake_{key}"
        self.accepted[key] += 1
        self.requests[request_id] = request
        if self.crash_after_accept > 0:
            self.crash_after_accept -= 1
            raise SimulatedCrash("died after the engine took the job")
        self._interrupted("submit")
        return request_id

    def find(self, key: str) -> str | None:
        if self.cannot_find:
            raise EngineError("This engine cannot look jobs up.")
        request_id = f"fake_{key}"
        return request_id if request_id in self.requests else None

    def status(self, request_id: str) -> EngineStatus:
        self._wait()
        if request_id not in self.requests:
            raise EngineJobLostError("The image engine lost track of this job.")
        self.polls[request_id] += 1
        if self.polls[request_id] > self.polls_until_done:
            answer = EngineStatus(EngineState.COMPLETED, progress=1.0)
        elif self.polls[request_id] <= self.queued_polls:
            answer = EngineStatus(EngineState.QUEUED, queue_position=1 + self.queued_polls - self.polls[request_id])
        else:
            answer = EngineStatus(EngineState.RUNNING, progress=self.polls[request_id] / (self.polls_until_done + 1))
        self._interrupted("status")
        return answer

    def result(self, request_id: str) -> list[EngineOutput]:
        self._wait()
        self.results_fetched[request_id] += 1
        if self.fail_result:
            raise EngineError("The image engine failed while drawing.")
        if self.explode_result:
            raise MemoryError(f"out of memory drawing {self.requests[request_id].prompt!r}")
        request = self.requests[request_id]
        count = request.num_images if self.deliver is None else self.deliver
        made = [b"<html>not an image</html>" if self.garbage else _tiny_png(i) for i in range(count)]
        self._interrupted("result")
        return [EngineOutput(data, "image/png", request.seed + i) for i, data in enumerate(made)]

    def cancel(self, request_id: str) -> None:
        self.canceled.append(request_id)
        self.requests.pop(request_id, None)

    def forget(self, request_id: str) -> None:
        self.forgotten.append(request_id)
        self.requests.pop(request_id, None)


def _tiny_png(index: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (40 * index % 255, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()
