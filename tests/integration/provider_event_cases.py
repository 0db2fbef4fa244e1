"""Shared by the provider-event tests: each handled event type's payload as the provider sends it, the state it
acts on, its fields with what each accepts, the hostile values tried on them, and what a person would check
afterwards (balance, ledger, orders, plans, the admin record, the log).

Events are signed with the real schemes: Stripe's `Stripe-Signature` by the `stripe` library's own helper,
Creem's `creem-signature` (hex HMAC-SHA256 of the raw body) as tests/creem_server.py makes it.
"""

from __future__ import annotations

import copy
import json
import logging
from dataclasses import dataclass, field
from typing import Any

import pytest
import stripe
from sqlmodel import col, select

from core.bootstrap import Container
from core.clock import utc_now
from core.domain import Role, UserView
from core.domain.billing import EventKind, PaymentEvent
from core.services import fulfilment
from db.tables import AuditEntry, LedgerEntry, Order, Plan, User
from tests.billing_support import apply
from tests.creem_server import signature as creem_signature

STARTER, PACK_CREDITS, PACK_AMOUNT, PLAN_CREDITS = 20, 1000, 500, 3000  # STARTER: a buyer who signed up
REJECTED = "billing.event_rejected"
PERIOD_END = 1_900_000_000  # 2030: a period end Stripe could send
PERIOD_END_ISO = "2030-03-17T17:46:40.000Z"


# -- hostile values ----------------------------------------------------------------------------------------------

MISSING = object()


@dataclass(frozen=True)
class Hostile:
    name: str
    value: Any  # MISSING: the key is left out
    marker: str | None  # text that must never reach a log record or an admin record (None: nothing distinctive)


def hostile_values(kind: str) -> list[Hostile]:
    """The twelve classes of hostile value, shaped for a field of `kind` (a wrong type is wrong for that field)."""
    wrong = (
        Hostile("wrong type", "not-a-number-q9z", "not-a-number-q9z")
        if kind in ("amount", "positive", "time")
        else Hostile("wrong type", ["listed-marker-k2p"], "listed-marker-k2p")
    )
    return [
        Hostile("negative", -987654, "-987654"),
        Hostile("huge", 10**30 + 7, str(10**30 + 7)),
        Hostile("zero", 0, None),
        wrong,
        Hostile("missing", MISSING, None),
        Hostile("empty", "", None),
        Hostile("email", "mallory.x@evil.example", "mallory.x@evil.example"),
        Hostile("nul", "nul\x00byte", "\x00"),
        Hostile("very long", "L" * 5000, "L" * 32),
        Hostile("bool", True, None),
        Hostile("float", 123.456, "123.456"),
        Hostile("nested", {"hostile": {"deep": "nested-marker-7f3"}}, "nested-marker-7f3"),
    ]


@dataclass(frozen=True)
class FieldSpec:
    """One field an event's reader reads, and what each hostile value must come to.

    Effects: "reject" (400, recorded once, nothing changes), "same" (handled exactly as the untouched event),
    "none" (200 and nothing changes), "accepted" (200, handled otherwise, the books still balance). Every value
    not named in `accepts` must be rejected."""

    path: str  # dotted, list positions as numbers: "data.object.lines.data.0.period.end"
    kind: str  # id | word | amount | positive | currency | time | bool | object | list | type
    accepts: dict[str, str] = field(default_factory=dict)  # hostile name -> effect

    def effect(self, hostile: Hostile) -> str:
        return self.accepts.get(hostile.name, "reject")


def mutate(payload: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of `payload` with the value at `path` replaced (or removed, for MISSING)."""
    changed = copy.deepcopy(payload)
    *parents, last = path.split(".")
    node: Any = changed
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    key: Any = int(last) if isinstance(node, list) else last
    if value is MISSING:
        del node[key]
    else:
        node[key] = copy.deepcopy(value)
    return changed


# -- signing ---------------------------------------------------------------------------------------------------


def signed(provider: str, secret: str, event: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """The raw body and headers the provider would POST for `event`, signed with its real scheme."""
    if provider == "stripe":
        text = json.dumps(event, indent=2)
        header = stripe.WebhookSignature.generate_signature_header(text, secret)
        return text.encode(), {"Stripe-Signature": header, "Content-Type": "application/json"}
    body = json.dumps(event, separators=(",", ":")).encode()
    return body, {"creem-signature": creem_signature(secret, body), "Content-Type": "application/json"}


# -- the state an event acts on ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scene:
    """A buyer and one order at the point an event type finds it, with the provider's references."""

    user: UserView
    order: str
    n: int  # makes every reference of this scene its own

    def ref(self, prefix: str) -> str:
        return f"{prefix}_{self.n:06d}x"


def stage(c: Container, provider: str, state: str, n: int) -> Scene:
    """A new buyer whose order is in `state`: pack_pending | plan_pending | pack_paid | pack_disputed | plan_active.
    The buyer starts with no credits (made directly, in the order's own transaction: the matrix makes hundreds)."""
    offer = c.billing.offer("plan-monthly" if state.startswith("plan") else "pack-starter", "demo")
    checkout = f"cs_{n:06d}x" if provider == "stripe" else f"ch_{n:06d}x"
    email = f"buyer{n}@example.com"
    with c.db.uow() as uow:
        row = uow.users.add(User(issuer="test", subject=email, email=email, email_verified=True))
        assert row.id is not None
        user = UserView(row.id, email, "", Role.USER, 0)
        order = fulfilment.new_order(
            user.id, offer.id, offer.name, offer.kind, offer.credits, offer.amount, offer.currency, provider, utc_now()
        )
        order.checkout_ref = checkout
        uow.billing.add_order(order)
        uow.commit()
    scene = Scene(user, order.public_id, n)
    payment = scene.ref("pi") if provider == "stripe" else scene.ref("tran")
    grant = checkout if provider == "stripe" else scene.ref("ord")
    if state in ("pack_paid", "pack_disputed"):
        also = "" if provider == "stripe" else scene.ref("ord")  # as each provider's reader reports a payment
        paid = PaymentEvent(
            provider,
            EventKind.PAID,
            order=scene.order,
            checkout=checkout,
            grant=grant,
            payment=payment,
            also_payment=also,
        )
        apply(c, paid)
    if state == "pack_disputed":
        apply(c, PaymentEvent(provider, EventKind.DISPUTE_OPENED, payment=payment, dispute=scene.ref("dp"), amount=500))
    if state == "plan_active":
        subscription = scene.ref("sub")
        apply(
            c,
            PaymentEvent(provider, EventKind.STARTED, order=scene.order, checkout=checkout, subscription=subscription),
        )
        month = PaymentEvent(
            provider, EventKind.MONTH_PAID, order=scene.order, subscription=subscription, grant=scene.ref("in")
        )
        apply(c, month)
    return scene


# -- what a person would check -------------------------------------------------------------------------------------


def snapshot(c: Container, user: UserView) -> tuple[object, ...]:
    """The buyer's books as they would read them: balance, ledger lines, orders and plans (not their ids)."""
    with c.db.reader() as uow:
        run = uow.session.exec
        return (
            uow.users.balance(user.id),
            tuple(run(select(LedgerEntry.kind, LedgerEntry.delta).where(LedgerEntry.user_id == user.id)).all()),
            tuple(
                run(
                    select(
                        Order.status,
                        Order.amount,
                        Order.credits_granted,
                        Order.credits_clawed_back,
                        Order.amount_refunded,
                        Order.dispute_status,
                        Order.dispute_amount,
                    )
                    .where(Order.user_id == user.id)
                    .order_by(col(Order.id))
                ).all()
            ),
            tuple(run(select(Plan.status, Plan.months_paid).where(Plan.user_id == user.id)).all()),
        )


def rejections(c: Container, after: int = 0) -> list[tuple[int, dict[str, Any]]]:
    """The admin records of refused events after audit row `after`, oldest first: (row id, subject and details)."""
    with c.db.reader() as uow:
        rows = uow.session.exec(
            select(AuditEntry)
            .where(AuditEntry.action == REJECTED, col(AuditEntry.id) > after)
            .order_by(col(AuditEntry.id))
        ).all()
        return [(r.id or 0, {"subject": r.subject, **json.loads(r.details)}) for r in rows]


def all_logged(caplog: pytest.LogCaptureFixture) -> str:
    """Every record captured, as it would be written, tracebacks included."""
    return "\n".join([caplog.text, *(r.getMessage() for r in caplog.records)])


def log_everything(caplog: pytest.LogCaptureFixture) -> None:
    """Capture every logger at DEBUG, and every SQL statement with its parameters."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
