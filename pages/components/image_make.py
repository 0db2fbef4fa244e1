"""The image view's "make more from this image" actions: Vary, Vary subtly, Upscale and Vary region (issue 22)."""

from __future__ import annotations

from core.domain import UserView
from core.services.gallery import ImageDetail


def make_more(user: UserView, detail: ImageDetail) -> None:
    """Buttons that start a new job from this image; filled in by the vary/upscale/region work."""
    del user, detail
