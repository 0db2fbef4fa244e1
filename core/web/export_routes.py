"""HTTP routes of the history export: the ZIP and the CSV behind signed, expiring links, streamed with their
exact length (so the browser shows progress) from a worker thread, never from the event loop. The privacy
centre's export of everything is streamed the same way (`streamed`)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from email.utils import format_datetime

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from core.container import Container
from core.errors import NotFoundError
from core.services.export_archive import ExportDownload
from core.signing import EXPORT_FILES, EXPORT_FORMATS, EXPORT_PATH
from core.web.responses import forbidden

SEND_BYTES = 1 << 20


def export_routes(container: Callable[[], Container]) -> list[Route]:
    def route(fmt: str) -> Route:
        async def history(request: Request) -> Response:
            try:
                # Checking the link, then reading the history into temporary files, is blocking work.
                download = await asyncio.to_thread(container().exports.open, fmt, dict(request.query_params))
            except NotFoundError:
                return forbidden()
            return streamed(download)

        return Route(f"{EXPORT_PATH}/{EXPORT_FILES[fmt]}", history, methods=["GET"])

    return [route(fmt) for fmt in EXPORT_FORMATS]


def streamed(download: ExportDownload) -> StreamingResponse:
    """A prepared export as the browser receives it: an attachment of announced length, never cached."""
    return StreamingResponse(
        _chunks(download),
        media_type=download.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{download.filename}"',
            "Content-Length": str(download.size),
            # The link's issue time: the same link always gives the same bytes.
            "Last-Modified": format_datetime(download.last_modified, usegmt=True),
            "Cache-Control": "private, no-store",
            "Accept-Ranges": "none",  # an interrupted download restarts from the same link
            "X-Content-Type-Options": "nosniff",
        },
    )


async def _chunks(download: ExportDownload) -> AsyncIterator[bytes]:
    """The stream read in a worker thread, about a mebibyte per trip. anyio waits for that thread before a
    cancel (the client went away) lands here, so the stream is never closed while a thread still reads it;
    closing it deletes the temporary files at once."""
    chunks = iter(download)
    try:
        while piece := await anyio.to_thread.run_sync(_gather, chunks):
            yield piece
    finally:
        download.close()


def _gather(chunks: Iterator[bytes]) -> bytes:
    """The next SEND_BYTES or so of the stream, b"" at its end. A ZIP interleaves tens-of-bytes records with
    the files' data: one thread trip and one socket write for each would cost more than the copy."""
    parts: list[bytes] = []
    size = 0
    for chunk in chunks:
        parts.append(chunk)
        size += len(chunk)
        if size >= SEND_BYTES:
            break
    return parts[0] if len(parts) == 1 else b"".join(parts)
