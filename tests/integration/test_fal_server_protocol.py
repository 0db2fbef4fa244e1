"""The fake fal queue (tests/fal_server.py) speaks the protocol the real fal-client 1.0.3 expects."""

from __future__ import annotations

import base64
import importlib.metadata
import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import fal_client
import fal_client.client
import httpx
import pytest
from PIL import ExifTags, Image

from tests.fal_server import METADATA_MARKER, FalServer, Scenario, has_test_metadata

KONTEXT = "fal-ai/flux-pro/kontext/max/text-to-image"
PROMPT = "a lighthouse at dusk"


@pytest.fixture(scope="module")
def server() -> Iterator[FalServer]:
    """One fake fal queue for the module."""
    with FalServer() as running:
        yield running


@pytest.fixture
def fal(server: FalServer, monkeypatch: pytest.MonkeyPatch) -> fal_client.SyncClient:
    """A real SyncClient pointed at the fake queue (Recipe B), without retries; the server starts afresh."""
    server.reset()
    monkeypatch.setattr(fal_client.client, "QUEUE_URL_FORMAT", server.queue_url)
    monkeypatch.setattr(fal_client.client, "MAX_ATTEMPTS", 1)
    return fal_client.SyncClient(key="test-key")


class _Receiver(BaseHTTPRequestHandler):
    """Keeps the JSON bodies POSTed to it on its server."""

    server: _WebhookServer

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.bodies.append(json.loads(body))
        self.server.arrived.set()
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet."""


class _WebhookServer(ThreadingHTTPServer):
    """A tiny webhook receiver."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Receiver)
        self.bodies: list[dict[str, Any]] = []
        self.arrived = threading.Event()


@pytest.fixture
def receiver() -> Iterator[_WebhookServer]:
    """A webhook receiver serving from a daemon thread."""
    receiving = _WebhookServer()
    thread = threading.Thread(target=receiving.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield receiving
    receiving.shutdown()
    receiving.server_close()
    thread.join(timeout=5)


def poll_until_completed(fal: fal_client.SyncClient, request_id: str) -> list[fal_client.Status]:
    """Every status seen (with logs) until COMPLETED."""
    seen = [fal.status(KONTEXT, request_id, with_logs=True)]
    while not isinstance(seen[-1], fal_client.Completed):
        seen.append(fal.status(KONTEXT, request_id, with_logs=True))
        assert len(seen) < 50, "the job never completed"
    return seen


def open_image(data: bytes) -> Image.Image:
    """Decode image bytes fully (raises if they are not an image)."""
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_the_private_client_names_recipe_b_relies_on_exist() -> None:
    assert importlib.metadata.version("fal-client") == "1.0.3"
    assert isinstance(fal_client.client.QUEUE_URL_FORMAT, str)
    assert isinstance(fal_client.client.MAX_ATTEMPTS, int)


def test_a_job_is_queued_then_in_progress_then_completed_with_downloadable_images(
    fal: fal_client.SyncClient, server: FalServer
) -> None:
    server.script(Scenario(queue_positions=[3, 2, 1], progress_logs=[["Loading model"], ["Step 28/28"]], images=2))
    handle = fal.submit(KONTEXT, {"prompt": PROMPT, "aspect_ratio": "16:9"})
    seen = poll_until_completed(fal, handle.request_id)
    assert seen[:3] == [fal_client.Queued(3), fal_client.Queued(2), fal_client.Queued(1)]
    assert [type(s) for s in seen[3:]] == [fal_client.InProgress, fal_client.InProgress, fal_client.Completed]
    assert isinstance(seen[3], fal_client.InProgress)
    first_logs = seen[3].logs or []
    assert [log["message"] for log in first_logs] == ["Loading model"]
    assert first_logs[0]["level"] == "INFO" and "T" in first_logs[0]["timestamp"]
    result = fal.result(KONTEXT, handle.request_id)
    assert result["seed"] == 42 and result["prompt"] == PROMPT and result["has_nsfw_concepts"] == [False, False]
    downloads = [httpx.get(image["url"], trust_env=False) for image in result["images"]]
    assert [d.headers["content-type"] for d in downloads] == ["image/png", "image/png"]
    assert downloads[0].content != downloads[1].content
    for download, image in zip(downloads, result["images"]):
        decoded = open_image(download.content)
        assert decoded.size == (image["width"], image["height"]) == (1024, 576)
        assert decoded.info["Comment"] == METADATA_MARKER and has_test_metadata(download.content)


def test_a_held_job_stays_in_progress_until_released(fal: fal_client.SyncClient, server: FalServer) -> None:
    release = threading.Event()
    server.script(Scenario(progress_logs=[["Step 1"]], hold=release))
    handle = fal.submit(KONTEXT, {"prompt": PROMPT})
    held = [fal.status(KONTEXT, handle.request_id) for _ in range(5)]
    assert not any(isinstance(status, fal_client.Completed) for status in held)  # polled five times: not done
    assert isinstance(held[-1], fal_client.InProgress)
    release.set()
    assert isinstance(fal.status(KONTEXT, handle.request_id), fal_client.Completed)


def test_request_urls_drop_the_endpoint_subpath(fal: fal_client.SyncClient, server: FalServer) -> None:
    handle = fal.submit(KONTEXT, {"prompt": PROMPT})
    base = f"{server.queue_url}fal-ai/flux-pro/requests/{handle.request_id}"
    assert (handle.response_url, handle.status_url, handle.cancel_url) == (base, base + "/status", base + "/cancel")
    fal.status(KONTEXT, handle.request_id)
    assert server.requests[-1].path == f"/queue/fal-ai/flux-pro/requests/{handle.request_id}/status"
    assert server.requests[-1].query == {"logs": ["false"]}
    assert server.submits(KONTEXT)[0].path == f"/queue/{KONTEXT}"


def test_a_422_result_raises_with_the_detail_list(fal: fal_client.SyncClient, server: FalServer) -> None:
    server.script(Scenario(queue_positions=[], progress_logs=[], error_status=422))
    handle = fal.submit(KONTEXT, {"prompt": PROMPT})
    with pytest.raises(fal_client.FalClientHTTPError) as caught:
        fal.result(KONTEXT, handle.request_id)
    assert caught.value.status_code == 422
    assert isinstance(caught.value.message, list)
    assert caught.value.message[0]["type"] == "content_policy_violation"
    assert caught.value.response_headers["x-fal-retryable"] == "false"


def test_a_submit_error_is_answered_before_the_submit_is_accepted(
    fal: fal_client.SyncClient, server: FalServer
) -> None:
    server.script(Scenario(submit_errors=[500]))
    with pytest.raises(fal_client.FalClientHTTPError) as caught:
        fal.submit(KONTEXT, {"prompt": PROMPT})
    assert caught.value.status_code == 500 and caught.value.error_type == "runner_server_error"
    handle = fal.submit(KONTEXT, {"prompt": PROMPT})
    assert [r.method for r in server.requests] == ["POST", "POST"]
    assert len(server.submits()) == 1 and server.job(handle.request_id).status == "IN_QUEUE"


def test_a_canceled_job_answers_completed_and_its_result_is_an_error(
    fal: fal_client.SyncClient, server: FalServer
) -> None:
    server.script(Scenario(queue_positions=[5, 4]))
    handle = fal.submit(KONTEXT, {"prompt": PROMPT})
    fal.cancel(KONTEXT, handle.request_id)
    assert server.cancels == [handle.request_id]
    status = fal.status(KONTEXT, handle.request_id)
    assert isinstance(status, fal_client.Completed) and status.error_type == "client_cancelled"
    with pytest.raises(fal_client.FalClientHTTPError) as result:
        fal.result(KONTEXT, handle.request_id)
    assert result.value.status_code == 400 and result.value.error_type == "client_cancelled"
    with pytest.raises(fal_client.FalClientHTTPError) as again:
        fal.cancel(KONTEXT, handle.request_id)
    assert again.value.status_code == 400


def test_an_unknown_request_is_not_found(fal: fal_client.SyncClient) -> None:
    with pytest.raises(fal_client.FalClientHTTPError) as caught:
        fal.status(KONTEXT, "00000000-0000-0000-0000-000000000000")
    assert caught.value.status_code == 404 and caught.value.message == "Request not found"


def test_a_webhook_is_delivered_when_a_timed_job_completes(
    fal: fal_client.SyncClient, server: FalServer, receiver: _WebhookServer
) -> None:
    # A step a second: the status asked right after the submit finds it queued even on a loaded machine (at 0.05 s
    # a step, a full run's load once let the whole job end before the status was asked).
    server.script(Scenario(queue_positions=[1], progress_logs=[["Generating"]], step_seconds=1.0, include_nsfw=False))
    url = f"http://127.0.0.1:{receiver.server_address[1]}/hooks/fal"
    handle = fal.submit(KONTEXT, {"prompt": PROMPT}, webhook_url=url)
    assert server.submits()[0].query == {"fal_webhook": [url]}
    assert isinstance(fal.status(KONTEXT, handle.request_id), fal_client.Queued)
    assert receiver.arrived.wait(timeout=15)
    hook = receiver.bodies[0]
    assert hook["request_id"] == hook["gateway_request_id"] == handle.request_id
    assert hook["status"] == "OK" and hook["error"] is None
    assert set(hook["payload"]) == {"images", "seed"}
    assert server.wait_for_webhooks(1) == [(url, 200)]
    assert isinstance(fal.status(KONTEXT, handle.request_id), fal_client.Completed)


def test_every_request_carries_the_key_and_the_client_user_agent(fal: fal_client.SyncClient, server: FalServer) -> None:
    server.script(Scenario(queue_positions=[], progress_logs=[]))
    handle = fal.submit(KONTEXT, {"prompt": PROMPT})
    fal.result(KONTEXT, handle.request_id)
    fal_requests = [r for r in server.requests if r.path.startswith("/queue/")]
    assert len(fal_requests) == 3
    assert {r.headers["Authorization"] for r in fal_requests} == {"Key test-key"}
    assert all(r.headers["user-agent"].startswith("fal-client/") for r in fal_requests)
    assert PROMPT in server.received_text() and "Key test-key" in server.received_text()


def test_data_uri_images_are_inline_jpegs_with_exif(fal: fal_client.SyncClient, server: FalServer) -> None:
    server.script(Scenario(queue_positions=[], progress_logs=[], data_uri=True, content="jpeg", size=(64, 48)))
    handle = fal.submit(KONTEXT, {"prompt": PROMPT})
    image = fal.result(KONTEXT, handle.request_id)["images"][0]
    prefix = "data:image/jpeg;base64,"
    assert image["url"].startswith(prefix) and image["content_type"] == "image/jpeg"
    decoded = open_image(base64.b64decode(image["url"].removeprefix(prefix)))
    assert decoded.format == "JPEG" and decoded.size == (64, 48)
    assert decoded.getexif()[ExifTags.Base.Artist] == METADATA_MARKER
    assert not any(r.path.startswith("/media/") for r in server.requests)


def test_payload_deletion_is_recorded(server: FalServer) -> None:
    server.reset()
    answer = httpx.delete(f"{server.url}/api/v1/models/requests/abc/payloads", trust_env=False)
    assert answer.status_code == 200 and answer.json() == {"cdn_delete_results": []}
    assert server.deleted_payloads == ["abc"]
    assert httpx.get(f"{server.url}/nowhere", trust_env=False).status_code == 404
