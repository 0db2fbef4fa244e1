"""To be built (issue 19)."""

from core.domain import Role
from pages.components.guard import require_user

require_user(Role.ADMIN)
raise NotImplementedError("admin_privacy")
