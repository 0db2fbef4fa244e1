"""The admin console: users, roles, credit adjustments and the audit log."""

from core.container import Container
from core.registry import Capability
from core.services.admin import AdminService


def admin(c: Container) -> AdminService:
    return AdminService(c.db, c.clock, max_reason_chars=c.settings.max_reason_chars)


CAPABILITY = Capability(name="admin", services={AdminService: admin})
