"""The image view's sharing panel: a public link per image, opt-in and revocable (issue 22)."""

from __future__ import annotations

from core.domain import UserView
from core.services.gallery import ImageDetail


def share_panel(user: UserView, detail: ImageDetail) -> None:
    """The image's public links, with or without its prompt; filled in by the sharing work."""
    del user, detail
