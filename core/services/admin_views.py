"""What the admin console shows of a user: a row of the Users page."""

from __future__ import annotations

from core.domain import AdminUserRow, Role
from core.services.account_views import display_name
from db.tables import User


def admin_user_row(user: User, image_count: int) -> AdminUserRow:
    assert user.id is not None
    return AdminUserRow(
        id=user.id,
        email=user.email,
        display_name=display_name(user),
        role=Role(user.role),
        balance=user.balance,
        image_count=image_count,
        last_sign_in_at=user.last_sign_in_at,
        created_at=user.created_at,
    )
