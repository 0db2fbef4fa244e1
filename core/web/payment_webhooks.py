"""Payment webhooks: /api/webhooks/stripe and /api/webhooks/creem.

The body is read raw (the signature covers its exact bytes) and refused past 1 MB before any
parsing. Verifying, reading and applying the event are quick database work, done in a worker thread
so the event loop the pages share never waits; the answer goes back well within a second. A bad
signature or a well-signed event we cannot read is a 400 (the service says which, and records the
second for admins). Only a failure of our own (the database away) is a 500, which makes the provider
deliver the event again, safely: events are recorded once and every grant has its own key. Its log
line says the exception's type and place, never its message, which could quote the payload.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from core.container import Container
from core.logs import crash_summary
from core.web.bodies import limited_body

PROVIDERS = ("stripe", "creem")
log = logging.getLogger(__name__)


def payment_webhook_routes(container: Callable[[], Container]) -> list[Route]:
    def route(provider: str) -> Route:
        async def webhook(request: Request) -> Response:
            try:
                body = await limited_body(request)
                if body is None:
                    return PlainTextResponse("Too large.", status_code=413)
                headers = {k.lower(): v for k, v in request.headers.items()}
                billing = (await asyncio.to_thread(container)).billing
                answer = await asyncio.to_thread(billing.receive, provider, body, headers)
            except Exception as exc:  # noqa: BLE001 - answered and logged here, by type and place only
                log.error("The %s webhook failed: %s", provider, crash_summary(exc))
                return PlainTextResponse("Not handled; please send it again.", status_code=500)
            return PlainTextResponse(answer.text, status_code=answer.status)

        return Route(f"/api/webhooks/{provider}", webhook, methods=["POST"])

    return [route(p) for p in PROVIDERS]
