"""Answers several HTTP routes share."""

from __future__ import annotations

from starlette.responses import PlainTextResponse, Response


def forbidden() -> Response:
    # One answer for unknown ids, bad signatures and expired links: nothing to learn by probing.
    return PlainTextResponse("Forbidden: this link is invalid or has expired.", status_code=403)
