"""FalImageEngine: FLUX.1 Kontext and FLUX.2 through fal.ai's queue. The only module that imports fal_client.

Jobs are addressed by a reference of our own, `<endpoint>/requests/<fal request id>`, so status,
result and cancel need nothing but the job's row. What fal receives is the prompt, the model's
inputs and the source images as data URIs: never who asked (no user id, email or name anywhere,
not even in the webhook address, which carries only our random job id and its signature).
Outputs are downloaded and kept by us; nothing links to fal's CDN.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from urllib.parse import urlsplit

import fal_client
import fal_client.client
import httpx

from core.adapters.fal_arguments import arguments, plain_refusal
from core.domain import EngineOutput, EngineRequest, EngineState, EngineStatus, ModelInfo
from core.errors import AtelierError, EngineError, EngineInputError, EngineJobLostError, EngineRetryableError
from core.image_inputs import for_engine
from core.pricing import ENGINE_INPUT_LONG_SIDE

log = logging.getLogger(__name__)

FAL_QUEUE_URL = "https://queue.fal.run/"
FAL_API_URL = "https://api.fal.ai"
STORE_IO_HEADER = "X-Fal-Store-IO"  # "0": fal keeps neither the request nor its outputs (fal-flux2.md section 5)
_REFERENCE = re.compile(r"(?P<endpoint>[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+)/requests/(?P<id>[A-Za-z0-9_-]{1,100})")
_LOG_LINES = 3
_BUSY = "fal.ai is busy or unreachable just now."


class FalImageEngine:
    """The ImageEngine port over fal.ai's queue, with its own client and key."""

    name = "fal"
    is_ai_model = True
    edit_help = (
        "Say in plain words what to change and what to keep, for example: *make it a watercolour, keep the "
        "composition*, or *replace the sky with a sunset*. Combining images works best when the instruction "
        "names each one (*the cat from the first image on the sofa from the second*)."
    )

    def __init__(
        self,
        models: Sequence[ModelInfo],
        key: str,
        *,
        queue_url: str = FAL_QUEUE_URL,
        api_url: str = FAL_API_URL,
        keep_payloads: bool = False,
        webhook_url: Callable[[str], str] | None = None,
        submit_timeout: float = 30.0,
        download_timeout: float = 60.0,
        max_download_bytes: int = 50 * 1024 * 1024,
    ) -> None:
        if not key:
            raise EngineError("fal.ai needs FAL_KEY.")
        self._models = {model.id: model for model in models}
        self._client = fal_client.SyncClient(key=key, default_timeout=submit_timeout)
        self._key = key
        self._queue_url = queue_url if queue_url.endswith("/") else queue_url + "/"
        # fal-client 1.0.3 has no base-URL argument: its queue address is this module global, read at call
        # time (fal.md section 5, recipe B). Only this module uses fal_client, so setting it is contained.
        fal_client.client.QUEUE_URL_FORMAT = self._queue_url
        self._api_url = api_url.rstrip("/")
        self._keep_payloads = keep_payloads
        self._webhook_url = webhook_url
        self._download_timeout = download_timeout
        self._max_download_bytes = max_download_bytes
        self._http = httpx.Client(timeout=download_timeout, follow_redirects=False, trust_env=False)

    def models(self) -> list[ModelInfo]:
        return list(self._models.values())

    def check(self, request: EngineRequest) -> None:
        """The service has checked the form against this catalogue entry; all fal adds is that the model exists."""
        self._model(request.model)

    def submit(self, request: EngineRequest, key: str) -> str:
        model = self._model(request.model)
        images = [fal_client.encode(*for_engine(data, ENGINE_INPUT_LONG_SIDE)) for data in request.input_images]
        # Downscaled by the same rule as the image it covers, so the two keep matching dimensions as fal requires.
        mask = fal_client.encode(*for_engine(request.mask, ENGINE_INPUT_LONG_SIDE)) if request.mask else None
        body = arguments(model, request, images, mask)
        headers = {} if self._keep_payloads else {STORE_IO_HEADER: "0"}
        webhook = self._webhook_url(key) if self._webhook_url else None
        try:
            handle = self._client.submit(model.endpoint, body, webhook_url=webhook, headers=headers)
        except fal_client.FalClientHTTPError as exc:
            raise _http_error(exc) from None
        except httpx.ConnectError:
            raise EngineRetryableError(_BUSY, taken=False) from None
        except httpx.TransportError:  # a timeout or a dropped connection: fal may have the job
            raise EngineRetryableError(_BUSY, taken=True) from None
        return f"{model.endpoint}/requests/{handle.request_id}"

    def find(self, key: str) -> str | None:
        raise EngineError("fal.ai cannot look a job up by our key, so a job whose sender stopped is not sent again.")

    def status(self, request_id: str) -> EngineStatus:
        endpoint, fal_id = _split(request_id)
        try:
            status = self._client.status(endpoint, fal_id, with_logs=True)
        except fal_client.FalClientHTTPError as exc:
            if exc.status_code == 404:
                raise EngineJobLostError("fal.ai no longer knows this job.") from None
            raise _http_error(exc) from None
        except httpx.TransportError:
            raise EngineRetryableError(_BUSY) from None
        if isinstance(status, fal_client.Queued):
            return EngineStatus(EngineState.QUEUED, queue_position=status.position + 1)
        if isinstance(status, fal_client.InProgress):
            return EngineStatus(EngineState.RUNNING, message=_log_lines(status.logs))
        return EngineStatus(EngineState.COMPLETED, progress=1.0)

    def result(self, request_id: str) -> list[EngineOutput]:
        endpoint, fal_id = _split(request_id)
        try:
            body = self._client.result(endpoint, fal_id)
        except fal_client.FalClientHTTPError as exc:
            raise _http_error(exc) from None
        except httpx.TransportError:
            raise EngineRetryableError(_BUSY) from None
        return self._outputs(body)

    def cancel(self, request_id: str) -> None:
        endpoint, fal_id = _split(request_id)
        try:
            self._client.cancel(endpoint, fal_id)
        except fal_client.FalClientHTTPError as exc:
            if exc.status_code not in (400, 404):  # already completed, or unknown: nothing left to stop
                raise _http_error(exc) from None

    def forget(self, request_id: str) -> None:
        """Ask fal to delete what it kept of the job; with payloads off (the default) it kept nothing."""
        if not self._keep_payloads:
            return
        _, fal_id = _split(request_id)
        url = f"{self._api_url}/v1/models/requests/{fal_id}/payloads"
        response = self._http.delete(url, headers={"Authorization": f"Key {self._key}", "Idempotency-Key": fal_id})
        if response.status_code >= 400:
            raise EngineError(f"fal.ai did not delete the job's payloads (HTTP {response.status_code}).")

    def _model(self, model_id: str) -> ModelInfo:
        model = self._models.get(model_id)
        if model is None:
            raise EngineInputError(f'fal.ai has no model "{model_id}" in this catalogue.')
        return model

    def _outputs(self, body: object) -> list[EngineOutput]:
        if isinstance(body, dict) and isinstance(body.get("image"), dict) and "images" not in body:
            body = {**body, "images": [body["image"]]}  # upscalers answer with one `image`
        if not isinstance(body, dict) or not isinstance(body.get("images"), list):
            raise EngineError("fal.ai returned a result without images.")
        flags = body.get("has_nsfw_concepts")
        flags = flags if isinstance(flags, list) else []
        seed = body.get("seed") if isinstance(body.get("seed"), int) else None
        timings = _timings(body.get("timings"))
        outputs = []
        for index, image in enumerate(body["images"]):
            # A flagged image is fetched too: it is kept apart, withheld, until a person has reviewed it.
            blocked = index < len(flags) and flags[index] is True
            url = image.get("url") if isinstance(image, dict) else None
            data = self._download(url) if isinstance(url, str) else b""
            content_type = str(image.get("content_type", "")) if isinstance(image, dict) else ""
            outputs.append(EngineOutput(data, content_type, seed, blocked=blocked, timings=timings))
        return outputs

    def _download(self, url: str) -> bytes:
        """An output file, from a data URI or over HTTPS (or from fal's own queue host), within the limits.
        A file we cannot fetch comes back empty, and the runner counts it as not delivered."""
        if url.startswith("data:"):
            return _decode_data_uri(url, self._max_download_bytes)
        if not self._may_fetch(url):
            log.warning("fal.ai returned an output address we do not fetch from")
            return b""
        deadline = time.monotonic() + self._download_timeout
        chunks, size = [], 0
        try:
            with self._http.stream("GET", url) as response:
                if response.status_code != 200:
                    return b""
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > self._max_download_bytes or time.monotonic() > deadline:
                        log.warning("An output from fal.ai was too large or too slow; it was dropped")
                        return b""
                    chunks.append(chunk)
        except httpx.TransportError as exc:
            raise EngineRetryableError(_BUSY) from exc  # the whole result is fetched again next time
        return b"".join(chunks)

    def _may_fetch(self, url: str) -> bool:
        parts, queue = urlsplit(url), urlsplit(self._queue_url)
        return parts.scheme == "https" or (parts.scheme, parts.netloc) == (queue.scheme, queue.netloc)


def _split(reference: str) -> tuple[str, str]:
    match = _REFERENCE.fullmatch(reference)
    if match is None:
        raise EngineJobLostError("This job's fal.ai reference is not one we made.")
    return match["endpoint"], match["id"]


def _http_error(exc: fal_client.FalClientHTTPError) -> AtelierError:
    """fal's answer in plain words, never its raw text: 4xx is a refusal, 5xx a passing failure."""
    code = exc.status_code
    if code in (408, 429) or code >= 500:
        return EngineRetryableError(_BUSY, taken=False)  # fal answered, so a submit was not taken
    if code in (401, 403):
        log.error("fal.ai refused our key (HTTP %d); check FAL_KEY", code)
        return EngineError("The image service is not set up correctly. An administrator has been told.")
    detail: list[object] = exc.message if isinstance(exc.message, list) else []
    return EngineInputError(plain_refusal(detail))


def _log_lines(logs: object) -> str:
    """The model's last few log lines, as plain single lines (shown under the job's progress)."""
    if not isinstance(logs, list):
        return "Running"
    lines = []
    for entry in logs[-_LOG_LINES:]:
        message = entry.get("message") if isinstance(entry, dict) else None
        if isinstance(message, str) and message.strip():
            lines.append(" ".join(message.split())[:160])
    return "\n".join(lines) or "Running"


def _timings(value: object) -> Mapping[str, float]:
    if not isinstance(value, dict):
        return {}
    return {str(k): float(v) for k, v in value.items() if isinstance(v, int | float) and not isinstance(v, bool)}


def _decode_data_uri(url: str, limit: int) -> bytes:
    header, _, payload = url.partition(",")
    if ";base64" not in header or len(payload) * 3 // 4 > limit:
        return b""
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        return b""
