"""The staff check every admin use case makes first, inside its own transaction."""

from __future__ import annotations

from core.domain import Role, UserView
from core.errors import PermissionDeniedError
from db.uow import UnitOfWork


def require_admin(uow: UnitOfWork, actor: UserView, refusal: str = "Only admins can do this.") -> None:
    """The role as the database has it now, not as the page remembers it: a demoted admin is refused at once."""
    row = uow.users.get(actor.id)
    if row is None or Role(row.role) != Role.ADMIN:
        raise PermissionDeniedError(refusal)
