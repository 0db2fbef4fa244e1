"""What fal receives carries no personal data; fal's webhook is a signed address that only makes us ask fal."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from starlette.applications import Starlette
from starlette.testclient import TestClient

from core.domain import GenerationKind, JobStatus
from core.web.fal_webhook import fal_webhook_routes
from tests.factories import MovableClock, camera_exif, image_bytes
from tests.fal_server import FalServer, Scenario
from tests.fal_support import FAL_KEY, assert_money_balances, fal_container, fal_form, run_to_end

EMAIL = "ada.lovelace@example.org"
WEBHOOK_BASE = "https://atelier.example.com"


def test_fal_receives_prompts_and_images_but_nothing_about_who_asked(tmp_path, database_url, fal: FalServer) -> None:
    clock = MovableClock()
    c = fal_container(tmp_path, database_url, fal, clock, fal_webhook_base_url=WEBHOOK_BASE)
    user = c.accounts.sign_in_local(EMAIL).user
    user = c.accounts.rename(user, "Countess Augusta")
    upload = image_bytes("JPEG", (640, 480), exif=camera_exif())  # a phone photo: its make and where it was taken
    forms = [
        fal_form("kontext-pro"),
        fal_form("kontext-pro-edit", "make it dusk", kind=GenerationKind.EDIT, upload=upload),
        fal_form(
            "flux2-pro-multi", "both together", kind=GenerationKind.MULTI_REFERENCE, reference_uploads=(upload, upload)
        ),
    ]
    jobs = [c.generation.submit(user, form, c.generation.new_token()) for form in forms]
    for job in jobs:
        assert run_to_end(c, user, job.id, clock).status == JobStatus.SUCCEEDED
    c.generation.cancel(user, c.generation.submit(user, fal_form(), c.generation.new_token()).id)

    seen = fal.received_text()
    for secret in (EMAIL, "ada.lovelace", "Lovelace", "Countess", "Augusta", "PhoneCo"):
        assert secret.lower() not in seen.lower(), secret
    assert not re.search(r"user|email|account", seen.replace("User-Agent", "").replace("user-agent", ""), re.I)
    for request in fal.requests:
        assert set(request.query) <= {"fal_webhook", "logs"}
        assert {k.lower() for k in request.headers} <= {
            "host", "accept", "accept-encoding", "connection", "user-agent", "authorization",
            "content-type", "content-length", "x-fal-store-io",
        }  # fmt: skip
        if request.path.startswith("/queue/"):
            assert request.headers["authorization"] == f"Key {FAL_KEY}"
        else:  # output downloads never carry our key
            assert "authorization" not in request.headers
    for submit in fal.submits():
        hook = urlsplit(submit.query["fal_webhook"][0])
        assert f"{hook.scheme}://{hook.netloc}" == WEBHOOK_BASE and set(parse_qs(hook.query)) == {"job", "sig"}
    assert_money_balances(c, user)


def _client(c) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(Starlette(routes=fal_webhook_routes(lambda: c)))


def test_fals_webhook_finishes_a_job_at_once_and_a_forged_one_changes_nothing(tmp_path, database_url, fal) -> None:
    c = fal_container(tmp_path, database_url, fal, MovableClock(), fal_webhook_base_url=WEBHOOK_BASE)
    user = c.accounts.sign_in_local(EMAIL).user
    fal.script(Scenario(queue_positions=[1], progress_logs=[]))  # done at the second look
    job = c.generation.submit(user, fal_form(), c.generation.new_token())
    c.jobs.reconcile()  # a worker sends it and looks once: still in fal's queue
    assert c.jobs.claim(10) == []  # not due again before its next check (this clock never moves)
    hook = urlsplit(fal.submits()[0].query["fal_webhook"][0])
    path = f"{hook.path}?{hook.query}"
    client = _client(c)
    forged = path.replace("sig=", "sig=0")[:-1]
    assert client.post(forged, json={"status": "OK"}).status_code == 400
    assert client.post(path.split("&")[0], json={}).status_code == 400  # unsigned
    other = f"{hook.path}?job={'a' * 32}&sig={parse_qs(hook.query)['sig'][0]}"
    assert client.post(other, json={}).status_code == 400  # the signature of another job
    assert client.post(path, content=b"x" * (1024 * 1024 + 1)).status_code == 413
    assert c.generation.status(user, job.id).status.in_flight  # none of that moved the job
    answer = client.post(path, json={"request_id": "anything", "status": "OK", "payload": {"images": []}})
    assert answer.status_code == 200
    [lease] = c.jobs.claim(10)  # the webhook made it due at once and rang for a worker, which collects it
    c.jobs.work(lease)
    done = c.generation.status(user, job.id)  # the body was ignored; we asked fal ourselves
    assert done.status == JobStatus.SUCCEEDED and len(done.images) == 1
    assert_money_balances(c, user)
