"""HTTP route of the privacy centre's export of everything: the ZIP behind a signed, expiring link, streamed
as the history export's are (core/web/export_routes.py), and refused with the same 403 when the link is bad."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from core.container import Container
from core.errors import NotFoundError
from core.services.privacy_export import PrivacyExportService
from core.signing import EVERYTHING, EXPORT_FILES, EXPORT_PATH
from core.web.export_routes import streamed
from core.web.responses import forbidden


def privacy_export_routes(container: Callable[[], Container]) -> list[Route]:
    async def everything(request: Request) -> Response:
        service = container().of(PrivacyExportService)
        try:
            # Checking the link, then reading everything into temporary files, is blocking work.
            download = await asyncio.to_thread(service.open, dict(request.query_params))
        except NotFoundError:
            return forbidden()
        return streamed(download)

    return [Route(f"{EXPORT_PATH}/{EXPORT_FILES[EVERYTHING]}", everything, methods=["GET"])]
