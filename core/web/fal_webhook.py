"""fal.ai's webhook: a signed address of ours that finishes a job as soon as fal says it ended.

The address carries our random job id and its HMAC (we gave fal that address when sending the
job), so only fal can call it for a real job. The body is not trusted at all: the call only
makes us ask fal for the job's status and result over the authenticated API, exactly as the
worker's polling does, which stays as the safety net.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from core.container import Container
from core.signing import FAL_WEBHOOK_PATH, FAL_WEBHOOK_PURPOSE, Signer
from core.web.bodies import limited_body

_JOB = re.compile(r"[0-9a-f]{32}")
_SIGNATURE = re.compile(r"[0-9a-f]{64}")


def fal_webhook_routes(container: Callable[[], Container]) -> list[Route]:
    async def webhook(request: Request) -> Response:
        job, signature = request.query_params.get("job", ""), request.query_params.get("sig", "")
        if not (_JOB.fullmatch(job) and _SIGNATURE.fullmatch(signature)):
            return _refused()
        if not Signer(container().media_secret, FAL_WEBHOOK_PURPOSE).verify(signature, job):
            return _refused()
        if await limited_body(request) is None:  # read and drop: the body is never parsed or trusted
            return PlainTextResponse("Too large.", status_code=413)
        # Answer at once; after the response, the job is made claimable now and a worker is woken to collect it.
        return JSONResponse({"ok": True}, background=BackgroundTask(container().jobs.wake, job))

    return [Route(FAL_WEBHOOK_PATH, webhook, methods=["POST"])]


def _refused() -> Response:
    return PlainTextResponse("Bad signature.", status_code=400)
