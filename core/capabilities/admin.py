"""The admin console: users, roles, credit adjustments and the audit log."""

from core.container import Container
from core.personal_data import Category, OnErasure, PersonalData
from core.registry import Capability
from core.services import erasure_steps
from core.services.admin import AdminService


def admin(c: Container) -> AdminService:
    return AdminService(c.db, c.clock, max_reason_chars=c.settings.max_reason_chars)


PERSONAL_DATA = (
    PersonalData(
        "table:audit_log",
        Category.ACCOUNT,
        "Staff's record of their actions on your account (and yours, if you are staff)",
        "",
        OnErasure.PSEUDONYMISE,
        80,
        erasure_steps.pseudonymise_audit,
        reason="staff's record of their own actions, append-only; what they changed is in credits.csv and "
        'profile.json. On erasure your id in it becomes "erased"',
        owner_columns=("actor_id",),
    ),
)

CAPABILITY = Capability(
    name="admin",
    services={AdminService: admin},
    personal_data=PERSONAL_DATA,
)
