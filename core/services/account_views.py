"""The account as pages see it: UserView from a user row, and the name shown for a user."""

from __future__ import annotations

from core.domain import Role, UserView
from db.tables import User


def user_view(user: User) -> UserView:
    assert user.id is not None
    return UserView(
        id=user.id,
        email=user.email,
        display_name=display_name(user),
        role=Role(user.role),
        balance=user.balance,
        session_version=user.session_version,
        avatar_url=user.avatar_url,
    )


def display_name(user: User) -> str:
    """The name the user chose, else the provider's, else the part of the email before the @."""
    return user.display_name or user.provider_name or user.email.split("@")[0]
