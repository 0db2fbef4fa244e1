"""A local server that speaks fal's queue protocol, for driving the real `fal-client` 1.0.3 in tests and by hand.

Point the client at it with "Recipe B" (see the fal research notes, section 5):
`fal_client.client.QUEUE_URL_FORMAT = server.queue_url` (a module global the client reads at call time).

Each accepted submit becomes a `Job` that follows a `Scenario`: some IN_QUEUE polls, some IN_PROGRESS polls with
logs, then COMPLETED forever. Its result is a FLUX-shaped output whose images (made with Pillow, carrying the
`METADATA_MARKER`) are served under `/media/` or inlined as data URIs; or a scripted error.

Run `python tests/fal_server.py [--port 9999]` to try the app by hand against a slow, well-behaved fake.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import re
import sys
import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, unquote_plus

import httpx
from PIL import ExifTags, Image, ImageDraw, ImageFont
from PIL.PngImagePlugin import PngInfo

if not __package__:  # run as `python tests/fal_server.py`: put the project root on the path for `tests.` imports
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.domain import IMAGE_SIZE_PRESETS  # noqa: E402 - fal's named sizes (fal-flux2.md section 1)
from tests.local_http import LocalHttpServer, Reply, json_reply  # noqa: E402
from tests.local_http import Received as Received  # noqa: E402
from tests.waiting import wait_until

METADATA_MARKER = "fal-test-metadata"
"""Embedded in every generated image: a PNG text chunk `Comment`, or the JPEG EXIF `Artist` tag."""

CONTENTS: dict[str, tuple[str, str]] = {  # content -> (content type, file extension)
    "png": ("image/png", "png"),
    "jpeg": ("image/jpeg", "jpg"),
    "garbage": ("image/png", "png"),
}
PALETTE: list[tuple[int, int, int]] = [
    (200, 60, 60),
    (50, 140, 80),
    (60, 90, 200),
    (210, 160, 40),
    (140, 70, 170),
    (40, 160, 160),
]
APP_NAMESPACES = ("workflows", "comfy")
DEFAULT_422_BODY: dict[str, Any] = {
    "detail": [{"loc": ["body", "prompt"], "msg": "The prompt was flagged", "type": "content_policy_violation"}]
}
CANCELLED_BODY: dict[str, Any] = {"detail": "Request was cancelled", "error_type": "client_cancelled"}
GARBAGE = b"this is not an image, just bytes from the fake fal server\n"

_REQUEST_PATH = re.compile(r"/queue/(?P<app>.+?)/requests/(?P<id>[^/]+)(?P<op>/status|/cancel)?")
_PAYLOADS_PATH = re.compile(r"/api/v1/models/requests/(?P<id>[^/]+)/payloads")
_MEDIA_PATH = re.compile(r"/media/(?P<id>[^/]+)/(?P<index>\d+)\.(?P<ext>\w+)")


@dataclass
class Scenario:
    """How one job behaves, from submit to result."""

    queue_positions: list[int] = field(default_factory=lambda: [0])  # one IN_QUEUE status per status poll, in order
    progress_logs: list[list[str]] = field(default_factory=lambda: [["Generating"]])  # one IN_PROGRESS per poll
    images: int | None = None  # how many images; None = the request's num_images (default 1)
    nsfw: list[bool] | None = None  # has_nsfw_concepts, as given; None = all False
    include_nsfw: bool = True  # False: the result is only {images, seed} (FLUX.2 pro shape)
    size: tuple[int, int] | None = None  # None = derived from image_size / aspect_ratio, else 1024x1024
    content: str = "png"  # "png" | "jpeg" | "garbage"
    data_uri: bool = False  # images[].url as data: URIs instead of URLs served by this server
    seed: int = 42
    error_status: int | None = None  # the result GET answers this status with error_body
    error_body: object = None  # None: DEFAULT_422_BODY for 422, else an infrastructure-style error body
    submit_errors: list[int] = field(default_factory=list)  # statuses answered to the next submits first
    status_errors: list[int] = field(default_factory=list)  # statuses answered to this job's first status polls
    result_errors: list[int] = field(default_factory=list)  # statuses answered to this job's first result GETs
    status_delay: float = 0.0  # seconds slept before answering each status poll
    step_seconds: float | None = None  # None: one step per status poll; set: one step per step_seconds of wall time
    # Set: the job stays on its last IN_PROGRESS step until the event is set (a test holds jobs in flight for as long
    # as it looks at them, however slow the machine, instead of racing their render time). Polled jobs only.
    hold: threading.Event | None = None

    def __post_init__(self) -> None:
        """Refuse values the server could not act on, when the test is written rather than when it runs."""
        if self.content not in CONTENTS:
            raise ValueError(f"content must be one of {sorted(CONTENTS)}, not {self.content!r}")
        if self.step_seconds is not None and self.step_seconds <= 0:
            raise ValueError("step_seconds must be positive (or None for one step per status poll)")


@dataclass(frozen=True)
class Media:
    """One rendered output image."""

    data: bytes
    content_type: str
    ext: str
    width: int
    height: int


@dataclass
class Job:
    """The server-side state of one accepted request."""

    request_id: str
    gateway_request_id: str
    endpoint: str  # the full endpoint id, subpath included
    app_path: str  # owner/app (namespace/owner/app): the part kept in the request URLs
    body: object  # the submitted JSON
    scenario: Scenario
    webhook_url: str | None
    base_url: str  # http://127.0.0.1:<port>/queue/<app_path>/requests/<id>
    submitted_at: float = field(default_factory=time.monotonic)
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    polls: int = 0  # status polls answered, errors included
    result_fetches: int = 0  # result GETs answered, errors included
    canceled: bool = False
    webhook_fired: bool = False
    status_errors: list[int] = field(default_factory=list)  # still to answer
    result_errors: list[int] = field(default_factory=list)  # still to answer
    media: list[Media] | None = None  # rendered on the first successful result (or webhook)
    _poll_step: int = 0

    @property
    def total_steps(self) -> int:
        """How many steps come before COMPLETED."""
        return len(self.scenario.queue_positions) + len(self.scenario.progress_logs)

    @property
    def step(self) -> int:
        """The current step: from the polls so far, or from the time since submit in time mode."""
        seconds = self.scenario.step_seconds
        last = self.total_steps if self.scenario.hold is None or self.scenario.hold.is_set() else self.total_steps - 1
        if seconds is None:
            return min(self._poll_step, last)
        return min(int((time.monotonic() - self.submitted_at) / seconds), last)

    @property
    def completed(self) -> bool:
        """Whether the job answers COMPLETED (canceled jobs do too)."""
        return self.canceled or self.step >= self.total_steps

    @property
    def status(self) -> str:
        """IN_QUEUE, IN_PROGRESS or COMPLETED."""
        if self.completed:
            return "COMPLETED"
        return "IN_QUEUE" if self.step < len(self.scenario.queue_positions) else "IN_PROGRESS"

    def advance(self) -> None:
        """In poll mode, move one step on (a completed job stays completed)."""
        if self.scenario.step_seconds is None and not self.completed:
            self._poll_step = min(self._poll_step + 1, self.total_steps)


@dataclass
class _Scripted:
    """A scenario waiting for its submit, with the submit errors it still has to answer."""

    endpoint: str | None
    scenario: Scenario
    submit_errors: list[int]


def _infrastructure_body(status: int) -> dict[str, Any]:
    """The flat error body of fal's infrastructure, for scripted errors."""
    return {"detail": f"Scripted error {status} from the fake fal server", "error_type": "runner_server_error"}


def _infrastructure_error(status: int) -> Reply:
    """A scripted submit/status/result error, as fal's infrastructure answers it."""
    return json_reply(status, _infrastructure_body(status), {"X-Fal-Error-Type": "runner_server_error"})


def _app_path(endpoint: str) -> str | None:
    """owner/app of an endpoint id (namespace/owner/app for workflows and comfy); None if it has too few parts."""
    parts = [part for part in endpoint.split("/") if part]
    keep = 3 if parts and parts[0] in APP_NAMESPACES else 2
    return "/".join(parts[:keep]) if len(parts) >= keep else None


def _truthy(value: str) -> bool:
    """The `logs` query flag: the Python client sends true/false, the docs say 1/0."""
    return value.strip().lower() in ("1", "true", "yes", "on")


def output_size(scenario: Scenario, body: object) -> tuple[int, int]:
    """The output size: the scenario's, else the request's image_size or aspect_ratio, else 1024x1024."""
    if scenario.size is not None:
        return scenario.size
    request = body if isinstance(body, dict) else {}
    source = _data_uri_size(request.get("image_url"))
    if source is not None and ("upscale_factor" in request or "mask_url" in request):
        factor = float(request.get("upscale_factor", 1))  # an upscaler enlarges its input; a fill keeps its size
        return round(source[0] * factor), round(source[1] * factor)
    image_size = request.get("image_size")
    if isinstance(image_size, str) and image_size in IMAGE_SIZE_PRESETS:
        return IMAGE_SIZE_PRESETS[image_size]
    if isinstance(image_size, dict) and "width" in image_size and "height" in image_size:
        return int(image_size["width"]), int(image_size["height"])
    ratio = request.get("aspect_ratio")
    if isinstance(ratio, str) and re.fullmatch(r"\d+:\d+", ratio):
        w, h = (int(n) for n in ratio.split(":"))
        if w > 0 and h > 0:
            return (1024, round(1024 * h / w)) if w >= h else (round(1024 * w / h), 1024)
    return 1024, 1024


def _data_uri_size(url: object) -> tuple[int, int] | None:
    """The pixel size of an image sent as a data URI (how the app sends images), or None."""
    if not isinstance(url, str) or not url.startswith("data:") or "," not in url:
        return None
    try:
        with Image.open(io.BytesIO(base64.b64decode(url.partition(",")[2]))) as image:
            return image.size
    except (OSError, ValueError):
        return None


def image_count(scenario: Scenario, body: object) -> int:
    """How many images the result has: the scenario's count, else the request's num_images, else 1."""
    if scenario.images is not None:
        return scenario.images
    request = body if isinstance(body, dict) else {}
    count = request.get("num_images", 1)
    return count if isinstance(count, int) and count >= 0 else 1


def render_image(index: int, size: tuple[int, int], content: str) -> Media:
    """A distinct image per index (a solid colour with the index drawn on it) carrying METADATA_MARKER."""
    content_type, ext = CONTENTS[content]
    width, height = size
    if content == "garbage":
        return Media(GARBAGE + str(index).encode(), content_type, ext, width, height)
    image = Image.new("RGB", size, PALETTE[index % len(PALETTE)])
    font = ImageFont.load_default(size=max(10, min(size) // 3))
    ImageDraw.Draw(image).text((width // 2, height // 2), str(index), fill=(255, 255, 255), font=font, anchor="mm")
    out = io.BytesIO()
    if content == "jpeg":
        exif = Image.Exif()
        exif[ExifTags.Base.Artist] = METADATA_MARKER
        image.save(out, "JPEG", quality=90, exif=exif)
    else:
        info = PngInfo()
        info.add_text("Comment", METADATA_MARKER)
        image.save(out, "PNG", pnginfo=info)
    return Media(out.getvalue(), content_type, ext, width, height)


def has_test_metadata(data: bytes) -> bool:
    """Whether image bytes still carry the marker this server embeds (PNG text chunk or JPEG EXIF)."""
    return METADATA_MARKER.encode() in data


class FalServer(LocalHttpServer):
    """A fake fal queue on 127.0.0.1: scripted jobs, recorded requests, served media and webhooks."""

    thread_name = "fal-server"

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.RLock()
        self._timers: list[threading.Timer] = []
        self._jobs: dict[str, Job] = {}
        self._scripts: list[_Scripted] = []
        self._default = _Scripted(None, Scenario(), [])
        self._accepted: list[tuple[str, Received]] = []
        self.requests: list[Received] = []
        self.cancels: list[str] = []
        self.deleted_payloads: list[str] = []
        self.payload_delete_errors: list[int] = []  # statuses answered to the next payload deletions first
        self.webhooks_sent: list[tuple[str, int | None]] = []

    # -- lifecycle ---------------------------------------------------------------------------------------------

    @property
    def queue_url(self) -> str:
        """The queue's base URL, "http://127.0.0.1:<port>/queue/" once started (fal-client's QUEUE_URL_FORMAT)."""
        return self.url + "/queue/" if self.url else ""

    def stop(self) -> None:
        """Stop serving and cancel pending webhook timers."""
        self._cancel_timers()
        super().stop()

    # -- scripting and inspection ------------------------------------------------------------------------------

    def script(self, scenario: Scenario, endpoint: str | None = None) -> None:
        """The next accepted submit (to that endpoint, or to any if None) follows this scenario; calls queue up."""
        with self._lock:
            self._scripts.append(_Scripted(endpoint, scenario, list(scenario.submit_errors)))

    def set_default(self, scenario: Scenario) -> None:
        """The scenario of submits no script applies to (its submit_errors are answered once, in all)."""
        with self._lock:
            self._default = _Scripted(None, scenario, list(scenario.submit_errors))

    def submits(self, endpoint: str | None = None) -> list[Received]:
        """The accepted submits, to that endpoint or to any."""
        with self._lock:
            return [received for ep, received in self._accepted if endpoint is None or ep == endpoint]

    def job(self, request_id: str) -> Job:
        """The state of one job (KeyError if unknown)."""
        with self._lock:
            return self._jobs[request_id]

    def jobs(self) -> list[Job]:
        """Every accepted job, in submit order."""
        with self._lock:
            return list(self._jobs.values())

    def received_text(self) -> str:
        """Everything received as text (method, target raw and decoded, headers, body) for privacy checks."""
        with self._lock:
            received = list(self.requests)
        lines: list[str] = []
        for r in received:
            lines += [f"{r.method} {r.target}", unquote_plus(r.target)]
            lines += [f"{name}: {value}" for name, value in r.headers.items()]
            lines.append(r.body.decode("utf-8", errors="replace"))
            if r.json is not None:
                lines.append(json.dumps(r.json, ensure_ascii=False))
        return "\n".join(lines)

    def wait_for_webhooks(self, count: int = 1, timeout: float = 5.0) -> list[tuple[str, int | None]]:
        """Wait until `count` webhooks were delivered (or tried), up to `timeout` seconds; return them all."""
        wait_until(lambda: len(self.webhooks_sent) >= count, timeout=timeout, what=f"{count} webhook(s) delivered")
        with self._lock:
            return list(self.webhooks_sent)

    def reset(self) -> None:
        """Forget requests, jobs, scripts, records and pending webhooks; the default scenario is Scenario() again."""
        self._cancel_timers()
        with self._lock:
            self._jobs.clear()
            self._scripts.clear()
            self._default = _Scripted(None, Scenario(), [])
            self._accepted.clear()
            self.requests.clear()
            self.cancels.clear()
            self.deleted_payloads.clear()
            self.payload_delete_errors.clear()
            self.webhooks_sent.clear()

    # -- routing -----------------------------------------------------------------------------------------------

    def handle(self, received: Received) -> Reply:
        """Record a request and answer it (a 500 naming the bug if this server itself fails)."""
        with self._lock:
            self.requests.append(received)
        try:
            return self._route(received)
        except Exception:  # noqa: BLE001 - a bug here must reach the test as an answer, not a hang
            return json_reply(500, {"detail": "fake fal server bug: " + traceback.format_exc()})

    def _route(self, r: Received) -> Reply:
        """Dispatch on method and path; everything unknown is 404."""
        request = _REQUEST_PATH.fullmatch(r.path)
        if request is not None:
            app, request_id, op = unquote(request["app"]), request["id"], request["op"]
            if r.method == "GET" and op == "/status":
                return self._status(r, app, request_id)
            if r.method == "GET" and op is None:
                return self._result(app, request_id)
            if r.method == "PUT" and op == "/cancel":
                return self._cancel(app, request_id)
        elif r.method == "POST" and r.path.startswith("/queue/"):
            return self._submit(r, unquote(r.path.removeprefix("/queue/")))
        payloads = _PAYLOADS_PATH.fullmatch(r.path)
        if payloads is not None and r.method == "DELETE":
            with self._lock:
                if self.payload_delete_errors:
                    return json_reply(self.payload_delete_errors.pop(0), {"detail": "scripted failure"})
                self.deleted_payloads.append(payloads["id"])
            return json_reply(200, {"cdn_delete_results": []})
        media = _MEDIA_PATH.fullmatch(r.path)
        if media is not None and r.method in ("GET", "HEAD"):
            return self._media(media["id"], int(media["index"]), media["ext"])
        return json_reply(404, {"detail": "Not found"})

    # -- queue operations --------------------------------------------------------------------------------------

    def _next_script(self, endpoint: str) -> _Scripted:
        """The first scripted scenario for this endpoint (or any), else the default."""
        for scripted in self._scripts:
            if scripted.endpoint is None or scripted.endpoint == endpoint:
                return scripted
        return self._default

    def _submit(self, r: Received, endpoint: str) -> Reply:
        """POST /queue/<endpoint id>: answer a scripted error or accept a new job."""
        app_path = _app_path(endpoint)
        if app_path is None:
            return json_reply(404, {"detail": f"Application '{endpoint}' not found"})
        with self._lock:
            scripted = self._next_script(endpoint)
            if scripted.submit_errors:
                return _infrastructure_error(scripted.submit_errors.pop(0))
            if scripted is not self._default:
                self._scripts.remove(scripted)
            request_id = str(uuid.uuid4())
            scenario = scripted.scenario
            job = Job(
                request_id=request_id,
                gateway_request_id=request_id,
                endpoint=endpoint,
                app_path=app_path,
                body=r.json,
                scenario=scenario,
                webhook_url=r.query.get("fal_webhook", [None])[0],
                base_url=f"{self.queue_url}{app_path}/requests/{request_id}",
                status_errors=list(scenario.status_errors),
                result_errors=list(scenario.result_errors),
            )
            self._jobs[request_id] = job
            self._accepted.append((endpoint, r))
            self._arm_webhook(job)
        return json_reply(
            200,
            {
                "request_id": request_id,
                "gateway_request_id": job.gateway_request_id,
                "status": "IN_QUEUE",
                "queue_position": scenario.queue_positions[0] if scenario.queue_positions else 0,
                "status_url": job.base_url + "/status",
                "response_url": job.base_url,
                "cancel_url": job.base_url + "/cancel",
                "logs": None,
                "metrics": {},
            },
        )

    def _find(self, app: str, request_id: str) -> Job | None:
        """The job with this id, if the URL names its app."""
        with self._lock:
            job = self._jobs.get(request_id)
        return job if job is not None and job.app_path == app else None

    def _status(self, r: Received, app: str, request_id: str) -> Reply:
        """GET .../status: the current step (then one step on, in poll mode)."""
        job = self._find(app, request_id)
        if job is None:
            return json_reply(404, {"detail": "Request not found"})
        if job.scenario.status_delay:
            time.sleep(job.scenario.status_delay)
        with_logs = _truthy(r.query.get("logs", ["false"])[0])
        with self._lock:
            job.polls += 1
            if job.status_errors:
                return _infrastructure_error(job.status_errors.pop(0))
            body = self._status_body(job, with_logs)
            job.advance()
            if job.completed:  # the poll that completes it (poll mode), or a timer running late (time mode)
                self._fire_webhook(job)
        return json_reply(200 if body["status"] == "COMPLETED" else 202, body)

    def _status_body(self, job: Job, with_logs: bool) -> dict[str, Any]:
        """The status JSON of the job's current step."""
        body: dict[str, Any] = {"status": job.status, "request_id": job.request_id, "response_url": job.base_url}
        step, queued = job.step, len(job.scenario.queue_positions)
        if body["status"] == "IN_QUEUE":
            body["queue_position"] = job.scenario.queue_positions[step]
        elif body["status"] == "IN_PROGRESS":
            body["logs"] = self._logs(job, step - queued) if with_logs else None
        else:
            body["logs"] = [] if with_logs else None
            body["metrics"] = {"inference_time": 0.5}
            if job.canceled:
                body["error"], body["error_type"] = CANCELLED_BODY["detail"], CANCELLED_BODY["error_type"]
        return body

    @staticmethod
    def _logs(job: Job, index: int) -> list[dict[str, Any]]:
        """The log entries of one IN_PROGRESS step, with timestamps that stay the same on every poll."""
        seconds = job.scenario.step_seconds or 0.1
        start = job.created_at + timedelta(seconds=seconds * (len(job.scenario.queue_positions) + index))
        return [
            {
                "message": message,
                "level": "INFO",
                "source": "user",
                "timestamp": (start + timedelta(milliseconds=n)).isoformat(),
            }
            for n, message in enumerate(job.scenario.progress_logs[index])
        ]

    def _result(self, app: str, request_id: str) -> Reply:
        """GET .../requests/<id>: scripted errors, 'still in progress', or the outcome."""
        job = self._find(app, request_id)
        if job is None:
            return json_reply(404, {"detail": "Request not found"})
        with self._lock:
            job.result_fetches += 1
            if job.result_errors:
                return _infrastructure_error(job.result_errors.pop(0))
            if not job.completed:
                return json_reply(400, {"detail": "Request is still in progress"})
        status, body, headers = self._outcome(job)
        return json_reply(status, body, headers)

    def _cancel(self, app: str, request_id: str) -> Reply:
        """PUT .../cancel: 404 unknown, 400 already completed, else canceled (and its webhook sent)."""
        job = self._find(app, request_id)
        if job is None:
            return json_reply(404, {"status": "NOT_FOUND"})
        with self._lock:
            if job.completed:
                return json_reply(400, {"status": "ALREADY_COMPLETED"})
            job.canceled = True
            self.cancels.append(request_id)
            self._fire_webhook(job)
        return json_reply(202, {"status": "CANCELLATION_REQUESTED"})

    def _media(self, request_id: str, index: int, ext: str) -> Reply:
        """GET /media/<id>/<index>.<ext>: a rendered image, or 404."""
        with self._lock:
            job = self._jobs.get(request_id)
            media = job.media if job is not None else None
        if media is None or index >= len(media) or media[index].ext != ext:
            return json_reply(404, {"detail": "Not found"})
        return Reply(200, media[index].data, media[index].content_type)

    # -- outcomes and webhooks ---------------------------------------------------------------------------------

    def _outcome(self, job: Job) -> tuple[int, object, dict[str, str]]:
        """What a finished job's result GET answers: (status, body, extra headers)."""
        scenario = job.scenario
        if job.canceled:
            return 400, CANCELLED_BODY, {}
        if scenario.error_status is not None:
            body = scenario.error_body
            if body is None:
                body = DEFAULT_422_BODY if scenario.error_status == 422 else _infrastructure_body(scenario.error_status)
            headers = {"X-Fal-Retryable": "false"} if 400 <= scenario.error_status < 500 else {}
            return scenario.error_status, body, headers
        return 200, self._output(job), {}

    def _output(self, job: Job) -> dict[str, Any]:
        """The model output: images (rendered once per job), seed, and the FLUX.1/dev extras unless left out."""
        scenario = job.scenario
        if job.media is None:
            size = output_size(scenario, job.body)
            rendered = [render_image(i, size, scenario.content) for i in range(image_count(scenario, job.body))]
            with self._lock:
                if job.media is None:
                    job.media = rendered
        images = [self._image_json(job, index, media) for index, media in enumerate(job.media or [])]
        request = job.body if isinstance(job.body, dict) else {}
        if "upscale_factor" in request and images:  # an upscaler's shape (Clarity): one `image`, no NSFW flags
            return {"image": images[0], "seed": scenario.seed, "timings": {"inference": 0.5}}
        output: dict[str, Any] = {"images": images, "seed": scenario.seed}
        if scenario.include_nsfw:
            output["timings"] = {"inference": 0.5}
            output["has_nsfw_concepts"] = scenario.nsfw if scenario.nsfw is not None else [False] * len(images)
            output["prompt"] = request.get("prompt")
        return output

    def _image_json(self, job: Job, index: int, media: Media) -> dict[str, Any]:
        """One images[] entry: a URL on this server, or a data URI."""
        if job.scenario.data_uri:
            url = f"data:{media.content_type};base64,{base64.b64encode(media.data).decode()}"
        else:
            url = f"{self.url}/media/{job.request_id}/{index}.{media.ext}"
        return {
            "url": url,
            "width": media.width,
            "height": media.height,
            "content_type": media.content_type,
            "file_name": f"{index}.{media.ext}",
            "file_size": len(media.data),
        }

    def _arm_webhook(self, job: Job) -> None:
        """At submit: in time mode, a timer for when the job is due; in poll mode, fire now if it has no steps."""
        if job.webhook_url is None:
            return
        if job.scenario.step_seconds is not None:
            delay = job.total_steps * job.scenario.step_seconds + 0.005
            timer = threading.Timer(delay, self._fire_webhook, args=(job,))
            timer.daemon = True
            self._timers.append(timer)
            timer.start()
        elif job.completed:
            self._fire_webhook(job)

    def _fire_webhook(self, job: Job) -> None:
        """Deliver the job's webhook once, from a background thread."""
        with self._lock:
            if job.webhook_url is None or job.webhook_fired or self._jobs.get(job.request_id) is not job:
                return
            job.webhook_fired = True
        threading.Thread(target=self._deliver, args=(job,), name="fal-webhook", daemon=True).start()

    def _deliver(self, job: Job) -> None:
        """POST fal's webhook body to the job's URL; record (url, status or None)."""
        assert job.webhook_url is not None
        status, body, _ = self._outcome(job)
        ok = status < 400
        payload = {
            "request_id": job.request_id,
            "gateway_request_id": job.gateway_request_id,
            "status": "OK" if ok else "ERROR",
            "payload": body,
            "error": None if ok else f"Invalid status code: {status}",
        }
        answered: int | None
        try:
            with httpx.Client(trust_env=False, timeout=2.0) as client:
                answered = client.post(job.webhook_url, json=payload).status_code
        except Exception:  # noqa: BLE001 - a failed delivery is recorded, never raised
            answered = None
        with self._lock:
            self.webhooks_sent.append((job.webhook_url, answered))

    def _cancel_timers(self) -> None:
        """Cancel webhook timers not yet fired."""
        with self._lock:
            timers, self._timers = self._timers, []
        for timer in timers:
            timer.cancel()


def main() -> None:
    """Serve a slow, well-behaved fake fal queue until Ctrl-C, for trying the app by hand."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=9999)
    args = parser.parse_args()
    server = FalServer()
    server.set_default(
        Scenario(
            queue_positions=[2, 1],
            progress_logs=[["Loading model"], ["Step 10/28"], ["Step 28/28"]],
            step_seconds=1.0,
        )
    )
    server.start(port=args.port)
    print(f"fake fal queue at {server.queue_url}  (set fal_client.client.QUEUE_URL_FORMAT to it; Ctrl-C stops)")
    server.serve_until_interrupted()


if __name__ == "__main__":
    main()
