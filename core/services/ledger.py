"""Credit rules inside a unit of work: grants, holds, captures and releases on the append-only ledger.

The balance is the sum of the ledger, and never goes below zero except by a clawback. A hold takes the credits at once (a negative row); when
the job ends, a capture row (change 0) records what was charged and a release row gives back
whatever was not used, so every hold is followed by a capture, a release, or both.
"""

from __future__ import annotations

from core.errors import InsufficientCreditsError
from core.text import plural
from db.tables import LedgerEntry
from db.uow import UnitOfWork


def grant(
    uow: UnitOfWork, user_id: int, amount: int, reason: str, key: str, reference: str = "", kind: str = "grant"
) -> bool:
    """Add credits once per key; False if this key was already granted. `kind` is "grant" (starter credits),
    "purchase" (a payment) or "reinstate" (a won dispute gives back what its clawback took)."""
    entry = LedgerEntry(
        user_id=user_id, delta=amount, kind=kind, reason=reason, reference=reference, idempotency_key=key
    )
    if not uow.ledger.add_once(entry):
        return False
    uow.users.credit(user_id, amount)
    return True


def hold(uow: UnitOfWork, user_id: int, amount: int, generation_id: str, reason: str) -> None:
    if not uow.users.debit_if_covered(user_id, amount):
        raise InsufficientCreditsError(amount, uow.users.balance(user_id))
    uow.ledger.add(
        LedgerEntry(
            user_id=user_id,
            delta=-amount,
            kind="hold",
            reason=reason,
            reference=_reference(generation_id),
            idempotency_key=f"gen:{generation_id}:hold",
        )
    )


def settle(uow: UnitOfWork, user_id: int, generation_id: str, held: int, charged: int, reason: str) -> None:
    """Close a hold: capture what was charged, release the rest. Safe to call twice."""
    reference = _reference(generation_id)
    if charged > 0 and not uow.ledger.has_key(f"gen:{generation_id}:capture"):
        uow.ledger.add(
            LedgerEntry(
                user_id=user_id,
                delta=0,
                kind="capture",
                reason=f"Charged {plural(charged, 'credit')} from the hold (no further change)",
                reference=reference,
                idempotency_key=f"gen:{generation_id}:capture",
            )
        )
    refund = held - charged
    if refund > 0 and not uow.ledger.has_key(f"gen:{generation_id}:release"):
        uow.ledger.add(
            LedgerEntry(
                user_id=user_id,
                delta=refund,
                kind="release",
                reason=reason,
                reference=reference,
                idempotency_key=f"gen:{generation_id}:release",
            )
        )
        uow.users.credit(user_id, refund)


def claw_back(uow: UnitOfWork, user_id: int, amount: int, reason: str, key: str, reference: str) -> bool:
    """Take back credits of a refunded or disputed payment, once per key. The only entry that may take the
    balance below zero: the credits may already be spent, and the books must still say what happened."""
    entry = LedgerEntry(
        user_id=user_id, delta=-amount, kind="clawback", reason=reason, reference=reference, idempotency_key=key
    )
    if not uow.ledger.add_once(entry):
        return False
    uow.users.credit(user_id, -amount)
    return True


def _reference(generation_id: str) -> str:
    return f"generation {generation_id[:8]}"


def adjust(uow: UnitOfWork, user_id: int, amount: int, reason: str, key: str, actor_id: int) -> bool:
    """An admin's grant (amount > 0) or deduction (amount < 0), once per key; a deduction never goes below 0."""
    entry = LedgerEntry(
        user_id=user_id,
        delta=amount,
        kind="adjustment",
        reason=reason,
        reference="by an admin",
        idempotency_key=key,
        actor_id=actor_id,
    )
    if not uow.ledger.add_once(entry):
        return False
    if amount < 0 and not uow.users.debit_if_covered(user_id, -amount):
        raise InsufficientCreditsError(-amount, uow.users.balance(user_id))  # the unit of work rolls the row back
    if amount > 0:
        uow.users.credit(user_id, amount)
    return True


def charge(uow: UnitOfWork, user_id: int, amount: int, reason: str, key: str, reference: str) -> int:
    """Take `amount` once per key, after the fact (an image a person released from a safety block): never more
    than the balance holds, so a short balance is charged what it has and never goes below zero. Returns what
    was taken (0 on a repeat of the key)."""
    if amount <= 0 or uow.ledger.has_key(key):
        return 0
    taken = min(amount, max(uow.users.balance(user_id), 0))
    if taken and not uow.users.debit_if_covered(user_id, taken):
        taken = 0  # spent by a racing job a moment ago: what is left is taken by nobody here
    if taken < amount:
        reason = f"{reason} (charged {taken} of {amount}: the balance was short)"
    entry = LedgerEntry(
        user_id=user_id, delta=-taken, kind="charge", reason=reason, reference=reference, idempotency_key=key
    )
    uow.ledger.add(entry)  # a racing repeat of the key fails here, and its unit of work rolls back
    return taken
