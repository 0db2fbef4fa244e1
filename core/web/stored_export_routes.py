"""HTTP route of a stored export (one an admin ran for the user): the ZIP from the blob store behind a signed,
expiring link only its owner can use, streamed as the other exports are and refused with the same 403."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from core.container import Container
from core.errors import NotFoundError
from core.services.stored_exports import StoredExportService
from core.signing import EXPORT_FILES, EXPORT_PATH, STORED
from core.web.export_routes import streamed
from core.web.responses import forbidden


def stored_export_routes(container: Callable[[], Container]) -> list[Route]:
    async def stored(request: Request) -> Response:
        service = container().of(StoredExportService)
        try:
            download = await asyncio.to_thread(service.open, dict(request.query_params))
        except NotFoundError:
            return forbidden()
        return streamed(download)

    return [Route(f"{EXPORT_PATH}/{EXPORT_FILES[STORED]}", stored, methods=["GET"])]
