"""HTTP route of an account erasure's receipt: whoever quotes its reference gets it as JSON. It names no one (the
reference, dates and counts only), so it needs no sign-in: the account it was about no longer exists."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from core.container import Container
from core.errors import NotFoundError
from core.services.erasure import ErasureService

RECEIPT_PATH = "/privacy/receipt"
HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def receipt_url(reference: str) -> str:
    return f"{RECEIPT_PATH}/{reference}"


def erasure_routes(container: Callable[[], Container]) -> list[Route]:
    async def receipt(request: Request) -> Response:
        reference = str(request.path_params["reference"])
        try:
            found = await asyncio.to_thread(container().of(ErasureService).receipt, reference)
        except NotFoundError as exc:
            return JSONResponse({"error": str(exc)}, status_code=404, headers=HEADERS)
        return Response(found.as_json(), media_type="application/json", headers=HEADERS)

    return [Route(RECEIPT_PATH + "/{reference:str}", receipt, methods=["GET"])]
