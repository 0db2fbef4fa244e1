"""HTTP routes served beside the pages: private media behind signed, expiring URLs; and the one list of all routes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from core.bootstrap import Container
from core.errors import NotFoundError


def media_routes(container: Callable[[], Container]) -> list[Route]:
    async def media(request: Request) -> Response:
        public_id, variant = request.path_params["public_id"], request.path_params["variant"]
        expires, signature = request.query_params.get("exp", ""), request.query_params.get("sig", "")
        try:
            # Blocking database and file reads stay off the event loop the pages share. The
            # service checks every part's shape and the signature before the database.
            found = await asyncio.to_thread(container().media.open, public_id, variant, expires, signature)
        except NotFoundError:
            return forbidden()
        disposition = "attachment" if request.query_params.get("download") == "1" else "inline"
        return Response(
            found.data,
            media_type=found.content_type,
            headers={
                "Content-Disposition": f'{disposition}; filename="{found.filename}"',
                # A browser may keep the picture exactly as long as the link stays valid.
                "Cache-Control": f"private, max-age={found.max_age}",
                "X-Content-Type-Options": "nosniff",
            },
        )

    return [Route("/api/media/{public_id}/{variant}", media, methods=["GET"])]


def forbidden() -> Response:
    # One answer for unknown ids, bad signatures and expired links: nothing to learn by probing.
    return PlainTextResponse("Forbidden: this link is invalid or has expired.", status_code=403)


def all_routes(container: Callable[[], Container]) -> list[Route]:
    """Every HTTP route the st.App serves beside the pages, assembled in this one place."""
    from core.web.export_routes import export_routes
    from core.web.fal_webhook import fal_webhook_routes
    from core.web.payment_webhooks import payment_webhook_routes
    from core.web.session_routes import session_routes

    return [
        *media_routes(container),
        *export_routes(container),
        *session_routes(container),
        *fal_webhook_routes(container),
        *payment_webhook_routes(container),
    ]
