"""The privacy centre's section: to be built (issue 19)."""

from __future__ import annotations

from core.domain import UserView


def render(user: UserView) -> None:
    raise NotImplementedError("privacy_consents")
