"""What the image view's share panel and the privacy centre's list of links both show: a link made absolute for
copying, and a line saying what it shares."""

from __future__ import annotations

from core.bootstrap import app_container
from core.domain.shares import ShareView
from pages.components.media import absolute_url


def full_link(share: ShareView) -> str:
    """The link as it is sent: on PUBLIC_BASE_URL when set, else on the address this browser uses."""
    base = app_container().settings.public_base_url.rstrip("/")
    return base + share.path if base else absolute_url(share.path)


def describe(share: ShareView) -> str:
    what = "Picture and prompt" if share.with_prompt else "Picture only"
    return f"{what} · made {share.created_at:%Y-%m-%d %H:%M} UTC · up to {share.size:,} px"
