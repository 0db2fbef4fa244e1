"""Email: the outbox every message is queued in, in the transaction that caused it, and the map's entry for it."""

from core.personal_data import Category, OnErasure, PersonalData, count_rows, delete_rows
from core.registry import Capability

PERSONAL_DATA = (
    PersonalData(
        "table:email_outbox",
        Category.ACCOUNT,
        "The emails we sent you or are about to: to which address, what they said, and when",
        "emails.csv",
        OnErasure.DELETE,
        20,
        delete_rows("email_outbox"),
        count_rows("email_outbox"),
    ),
)

CAPABILITY = Capability(name="email", personal_data=PERSONAL_DATA)
