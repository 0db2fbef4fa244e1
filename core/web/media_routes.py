"""The private media route: an image's files behind signed, expiring URLs, for their owner only, streamed from the
blob store, or redirected to a short-lived address of the store's own (MEDIA_REDIRECT)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from core.container import Container
from core.errors import NotFoundError
from core.services.media import MediaFile, MediaRedirect
from core.web.responses import forbidden

# A file up to this size (every preview and thumbnail) is read whole in the thread that opens it and sent as one
# body: streaming it cost two more thread hops per picture, a third of the route's time for 48 of them.
WHOLE_BYTES = 1 << 20


def media_routes(container: Callable[[], Container]) -> list[Route]:
    async def media(request: Request) -> Response:
        public_id, variant = request.path_params["public_id"], request.path_params["variant"]
        expires, signature = request.query_params.get("exp", ""), request.query_params.get("sig", "")
        download = request.query_params.get("download") == "1"

        def open_file() -> tuple[MediaFile | MediaRedirect, bytes | None]:
            found = container().media.open(public_id, variant, expires, signature, download=download)
            small = isinstance(found, MediaFile) and found.size <= WHOLE_BYTES
            return found, b"".join(found.chunks) if isinstance(found, MediaFile) and small else None

        try:
            # Blocking database and store reads stay off the event loop the pages share (a large file's chunks,
            # too, are read in a thread by StreamingResponse). The service checks every part's shape and the
            # signature before the database.
            found, body = await asyncio.to_thread(open_file)
        except NotFoundError:
            return forbidden()
        if isinstance(found, MediaRedirect):
            return RedirectResponse(found.url, headers={"Cache-Control": f"private, max-age={found.max_age}"})
        disposition = "attachment" if download else "inline"
        headers = {
            "Content-Length": str(found.size),
            "Content-Disposition": f'{disposition}; filename="{found.filename}"',
            # A browser may keep the picture exactly as long as the link stays valid.
            "Cache-Control": f"private, max-age={found.max_age}",
            "X-Content-Type-Options": "nosniff",
        }
        if body is not None:
            return Response(body, media_type=found.content_type, headers=headers)
        return StreamingResponse(found.chunks, media_type=found.content_type, headers=headers)

    return [Route("/api/media/{public_id}/{variant}", media, methods=["GET"])]
