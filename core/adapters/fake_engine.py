"""FakeImageEngine: a scriptable ImageEngine shipped in the tree, for tests of failure paths."""

from __future__ import annotations

import io
import itertools

from PIL import Image

from core.domain import EngineOutput, EngineRequest, EngineState, EngineStatus, GenerationKind, ModelInfo
from core.errors import EngineError, EngineInputError, EngineJobLostError


class FakeImageEngine:
    """Completes jobs after `polls_until_done` status calls, or fails where told to.

    `deliver` caps how many images come back (to test partial delivery); `garbage` returns
    bytes that are not an image; `fail_submit` / `fail_result` raise EngineError;
    `crash_submits` makes the first N submits die with an unexpected error, like a crash.
    """

    name = "fake"
    is_ai_model = False
    edit_help = "Any instruction without the word 'unsupported'."

    def __init__(
        self,
        *,
        polls_until_done: int = 0,
        fail_submit: bool = False,
        fail_result: bool = False,
        deliver: int | None = None,
        garbage: bool = False,
        crash_submits: int = 0,
    ) -> None:
        self.crash_submits = crash_submits
        self.polls_until_done = polls_until_done
        self.fail_submit = fail_submit
        self.fail_result = fail_result
        self.deliver = deliver
        self.garbage = garbage
        self.requests: dict[str, EngineRequest] = {}
        self.polls: dict[str, int] = {}
        self.canceled: list[str] = []
        self._ids = itertools.count(1)

    def models(self) -> list[ModelInfo]:
        return [
            ModelInfo("fake-draw", "Fake drawing", GenerationKind.TEXT_TO_IMAGE),
            ModelInfo("fake-edit", "Fake editor", GenerationKind.EDIT),
        ]

    def check(self, request: EngineRequest) -> None:
        if "unsupported" in request.prompt:
            raise EngineInputError("The fake engine refuses prompts that say 'unsupported'.")

    def submit(self, request: EngineRequest) -> str:
        if self.crash_submits > 0:
            self.crash_submits -= 1
            raise RuntimeError("simulated crash while sending the job")
        if self.fail_submit:
            raise EngineError("The image engine is unavailable right now.")
        request_id = f"fake_{next(self._ids)}"
        self.requests[request_id] = request
        self.polls[request_id] = 0
        return request_id

    def status(self, request_id: str) -> EngineStatus:
        if request_id not in self.requests:
            raise EngineJobLostError("The image engine lost track of this job.")
        self.polls[request_id] += 1
        if self.polls[request_id] > self.polls_until_done:
            return EngineStatus(EngineState.COMPLETED, progress=1.0)
        return EngineStatus(EngineState.RUNNING, progress=self.polls[request_id] / (self.polls_until_done + 1))

    def result(self, request_id: str) -> list[EngineOutput]:
        if self.fail_result:
            raise EngineError("The image engine failed while drawing.")
        request = self.requests[request_id]
        count = request.num_images if self.deliver is None else self.deliver
        if self.garbage:
            return [EngineOutput(b"<html>not an image</html>", "image/png") for _ in range(count)]
        return [EngineOutput(_tiny_png(i), "image/png") for i in range(count)]

    def cancel(self, request_id: str) -> None:
        self.canceled.append(request_id)
        self.requests.pop(request_id, None)


def _tiny_png(index: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (40 * index % 255, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()
