"""Payment webhooks: /api/webhooks/stripe and /api/webhooks/creem.

The body is read raw (the signature covers its exact bytes) and refused past 1 MB before any
parsing. Verifying and applying the event are quick database work, done in a worker thread so
the event loop the pages share never waits; the answer goes back well within a second. A 5xx
(an unexpected failure) makes the provider deliver the event again, which is safe: events are
recorded once and every grant has its own key.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from core.container import Container
from core.web.bodies import limited_body

PROVIDERS = ("stripe", "creem")


def payment_webhook_routes(container: Callable[[], Container]) -> list[Route]:
    def route(provider: str) -> Route:
        async def webhook(request: Request) -> Response:
            body = await limited_body(request)
            if body is None:
                return PlainTextResponse("Too large.", status_code=413)
            headers = {k.lower(): v for k, v in request.headers.items()}
            billing = (await asyncio.to_thread(container)).billing
            answer = await asyncio.to_thread(billing.receive, provider, body, headers)
            return PlainTextResponse(answer.text, status_code=answer.status)

        return Route(f"/api/webhooks/{provider}", webhook, methods=["POST"])

    return [route(p) for p in PROVIDERS]
