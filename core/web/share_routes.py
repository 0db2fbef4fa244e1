"""The public share routes: `/s/<token>`, a small page with the picture and (when shared) its prompt, and
`/s/<token>/image.jpg`, the picture re-encoded without metadata at the share's size. No sign-in, no Streamlit.

Every request reads the database (ShareService keeps nothing between requests), so a revoked share, a deleted
image or an erased account answers 404 at once on every replica. Caching is chosen so no copy outlives a revoke:
- the page is `no-store` (it may hold the prompt; it is small and cheap to make again);
- the picture is `no-cache` with a strong ETag: a browser or a proxy may keep it but must ask before each use,
  and the answer to that question is a database read: 304 while the share lives, 404 once it is gone. The JPEG
  is made again only when the validator no longer matches.
`X-Robots-Tag: noindex`: a link is shared with people, not published to search engines (chat apps' previews do
not heed it). `Referrer-Policy: no-referrer`: the token is the link's only secret, so no page it leads to learns
it. Anything else under /s/ is 404 too (st.App would otherwise answer an unknown path with the app's HTML).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from core.container import Container
from core.domain.shares import SHARE_PATH
from core.services.shares import ShareService
from core.web.share_page import gone_page, share_page

PRIVATE = {
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
# The page needs nothing but its own picture and inline style: no script, no form, no frame.
PAGE_POLICY = (
    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)


def share_routes(container: Callable[[], Container]) -> list[Route]:
    def shares() -> ShareService:
        return container().of(ShareService)

    def base_url(request: Request) -> str:
        """PUBLIC_BASE_URL when set (behind a proxy the request may say http); else the address asked for."""
        return container().settings.public_base_url.rstrip("/") or str(request.base_url).rstrip("/")

    def gone(request: Request) -> Response:
        headers = {**PRIVATE, "Cache-Control": "no-store", "Content-Security-Policy": PAGE_POLICY}
        return HTMLResponse(gone_page(base_url(request) + "/"), status_code=404, headers=headers)

    async def page(request: Request) -> Response:
        found = await asyncio.to_thread(shares().public, request.path_params["token"])
        if found is None:
            return gone(request)
        base = base_url(request)
        body = share_page(found, base + found.image_path, base + request.url.path, base + "/")
        headers = {**PRIVATE, "Cache-Control": "no-store", "Content-Security-Policy": PAGE_POLICY}
        return HTMLResponse(body, headers=headers)

    async def image(request: Request) -> Response:
        token = request.path_params["token"]
        asked = request.headers.get("if-none-match", "")
        if asked:
            etag = await asyncio.to_thread(shares().etag, token)
            if etag is None:
                return gone(request)
            if etag in (tag.strip() for tag in asked.split(",")):
                return Response(status_code=304, headers={**PRIVATE, "ETag": etag, "Cache-Control": "no-cache"})
        found = await asyncio.to_thread(shares().public_image, token)
        if found is None:
            return gone(request)
        headers = {
            **PRIVATE,
            "ETag": found.etag,
            "Cache-Control": "no-cache",
            "Content-Disposition": 'inline; filename="atelier-shared.jpg"',
        }
        return Response(found.data, media_type=found.content_type, headers=headers)

    async def elsewhere(request: Request) -> Response:
        return gone(request)

    return [
        Route(SHARE_PATH + "/{token}", page, methods=["GET"]),
        Route(SHARE_PATH + "/{token}/image.jpg", image, methods=["GET"]),
        Route(SHARE_PATH, elsewhere, methods=["GET"]),
        Route(SHARE_PATH + "/{rest:path}", elsewhere, methods=["GET"]),
    ]
