"""Credits: the balance and the statement of the ledger."""

from core.container import Container
from core.registry import Capability
from core.services.credits import CreditService


def credits(c: Container) -> CreditService:
    return CreditService(c.db, c.signer)


CAPABILITY = Capability(name="credits", services={CreditService: credits})
