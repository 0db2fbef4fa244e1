"""Credits: the balance and the statement of the ledger."""

from core.container import Container
from core.personal_data import Category, OnErasure, PersonalData, count_rows
from core.registry import Capability
from core.services import erasure_steps
from core.services.credits import CreditService


def credits(c: Container) -> CreditService:
    return CreditService(c.db, c.signer)


TAX_REASON = "kept 10 years for tax law, with nothing that names you"
PERSONAL_DATA = (
    PersonalData(
        "table:ledger_entries",
        Category.CREDITS,
        "Every change to your credits: grants, purchases, charges for jobs, refunds and adjustments",
        "credits.csv",
        OnErasure.PSEUDONYMISE,
        50,
        erasure_steps.move_ledger,
        count_rows("ledger_entries"),
        reason=TAX_REASON + " (the rows of payments: purchase, clawback, reinstate; the others are deleted)",
        owner_columns=("user_id", "actor_id"),
    ),
)

CAPABILITY = Capability(
    name="credits",
    services={CreditService: credits},
    personal_data=PERSONAL_DATA,
)
