"""To be built (issue 19)."""

from pages.components.guard import require_user
from core.domain import Role

require_user(Role.ADMIN)
raise NotImplementedError("admin_privacy")
