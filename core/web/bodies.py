"""Reading a request body with a size limit, before anything parses it."""

from __future__ import annotations

from starlette.requests import Request

MAX_WEBHOOK_BYTES = 1024 * 1024


async def limited_body(request: Request, limit: int = MAX_WEBHOOK_BYTES) -> bytes | None:
    """The raw body, or None when it is (or says it is) larger than `limit`, or its length is not a number."""
    declared = request.headers.get("content-length") or "0"
    if not declared.isdigit() or int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
