"""The health routes a load balancer and an orchestrator probe: /healthz (the process answers) and /readyz (this
replica can serve: its database, its blob store and a schema at this build's head)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from core.container import Container
from core.logs import log_failure
from core.services.health import FAILED, OK, Check, ReadinessService

log = logging.getLogger(__name__)

LIVENESS_PATH, READINESS_PATH = "/healthz", "/readyz"
HEALTH_PATHS = frozenset({LIVENESS_PATH, READINESS_PATH})
# Below the load balancer's own probe timeout (deploy/Caddyfile: 5 s), so a hung database gets a 503, not silence.
CHECK_SECONDS = 3.0
TIMED_OUT = "timed out"
NO_STORE = {"Cache-Control": "no-store"}


def health_routes(container: Callable[[], Container], check_seconds: float = CHECK_SECONDS) -> list[Route]:
    async def healthz(_request: Request) -> Response:
        # Touches nothing: a replica whose database is away is alive (restarting it would not help), only not ready.
        return PlainTextResponse("ok", headers=NO_STORE)

    async def readyz(_request: Request) -> Response:
        checks = await _checks(container)
        names = list(checks)
        results = await asyncio.gather(*(_run(checks[name], check_seconds) for name in names))
        status = dict(zip(names, results, strict=True))
        ready = all(result == OK for result in results)
        return JSONResponse({"ready": ready, "checks": status}, status_code=200 if ready else 503, headers=NO_STORE)

    return [
        Route(LIVENESS_PATH, healthz, methods=["GET"]),
        Route(READINESS_PATH, readyz, methods=["GET"]),
    ]


async def _checks(container: Callable[[], Container]) -> dict[str, Check]:
    """The readiness checks; a container that cannot be built (the start is still under way, or failed) is one."""
    try:
        c = await asyncio.to_thread(container)
        return c.of(ReadinessService).checks()
    except Exception as exc:
        log_failure(log, "Readiness check failed: the app could not start", exc)
        return {"app": lambda: FAILED}


async def _run(check: Check, seconds: float) -> str:
    """One check off the event loop the pages share, within `seconds` (a hung check's thread finishes on its own)."""
    try:
        return await asyncio.wait_for(asyncio.to_thread(check), seconds)
    except TimeoutError:
        return TIMED_OUT
