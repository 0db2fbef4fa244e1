"""Every event type the app handles, as Stripe and Creem send it, with each field its reader reads and what every
hostile value on that field must come to (see FieldSpec in provider_event_cases.py).

Shapes follow tests/stripe_server.py (API version 2026-10-28.endive) and tests/creem_server.py. A field that is
absent from real events but read as a fallback (an older Stripe API's top-level `subscription`) is present as
null, so "missing" is the untouched case for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.integration.provider_event_cases import PERIOD_END, PERIOD_END_ISO, FieldSpec, Scene

SAME_IF_MISSING = {"missing": "same"}
SAME_IF_ABSENT = {"missing": "same", "nested": "same"}  # an object whose fields are all optional


@dataclass(frozen=True)
class EventCase:
    name: str
    provider: str
    type: str
    state: str  # what the buyer's order is when the event comes: see `stage`
    body: Callable[[Scene], dict[str, Any]]  # the event's object
    fields: list[FieldSpec]

    def event(self, scene: Scene, event_id: str) -> dict[str, Any]:
        if self.provider == "stripe":
            envelope: dict[str, Any] = {"id": event_id, "object": "event", "api_version": "2026-10-28.endive"}
            return {**envelope, "created": 1_800_000_000, "type": self.type, "data": {"object": self.body(scene)}}
        return {"id": event_id, "eventType": self.type, "created_at": 1_800_000_000_000, "object": self.body(scene)}


def spec(path: str, kind: str, **accepts: str) -> FieldSpec:
    return FieldSpec(path, kind, {k.replace("_", " "): v for k, v in accepts.items()})


# -- Stripe ------------------------------------------------------------------------------------------------------

STRIPE_ENVELOPE = [spec("id", "id"), spec("type", "type"), spec("data", "object"), spec("data.object", "object")]
D = "data.object."


def stripe_session(scene: Scene, *, plan: bool = False, paid: bool = True) -> dict[str, Any]:
    return {
        "id": f"cs_{scene.n:06d}x",
        "object": "checkout.session",
        "status": "complete",
        "mode": "subscription" if plan else "payment",
        "payment_status": "paid" if paid else "unpaid",
        "metadata": {"order": scene.order, "offer": "plan-monthly" if plan else "pack-starter"},
        "client_reference_id": scene.order,
        "payment_intent": None if plan else scene.ref("pi"),
        "subscription": scene.ref("sub") if plan else None,
        "invoice": scene.ref("in") if plan else None,
        "amount_total": 1000 if plan else 500,
        "currency": "usd",
        "customer_details": {"email": "buyer@example.com", "name": "Not Read"},
    }


def _session_fields(*, status: str, mode: str, payment_status: str, subscription: str) -> list[FieldSpec]:
    return [
        *STRIPE_ENVELOPE,
        spec(D + "id", "id"),
        spec(D + "status", "word", missing=status),
        spec(D + "mode", "word", missing=mode),
        spec(D + "payment_status", "word", missing=payment_status),
        spec(D + "metadata", "object", **SAME_IF_ABSENT),
        spec(D + "metadata.order", "id", **SAME_IF_MISSING),
        spec(D + "client_reference_id", "id", **SAME_IF_MISSING),
        spec(D + "payment_intent", "id", **SAME_IF_MISSING),
        spec(D + "subscription", "id", missing=subscription),
        spec(D + "invoice", "id", **SAME_IF_MISSING),
        spec(D + "amount_total", "amount", zero="same", missing="same"),
        spec(D + "currency", "currency", **SAME_IF_MISSING),
    ]


PAID_SESSION = _session_fields(status="none", mode="same", payment_status="none", subscription="same")


def stripe_invoice(scene: Scene) -> dict[str, Any]:
    return {
        "id": scene.ref("in"),
        "object": "invoice",
        "status": "paid",
        "amount_paid": 1000,
        "currency": "usd",
        "billing_reason": "subscription_create",
        "parent": {
            "type": "subscription_details",
            "subscription_details": {"subscription": scene.ref("sub"), "metadata": {"order": scene.order}},
        },
        "subscription": None,
        "payment_intent": None,
        "payments": {
            "object": "list",
            "data": [{"id": scene.ref("inpay"), "payment": {"payment_intent": scene.ref("pi")}}],
        },
        "lines": {"object": "list", "data": [{"id": scene.ref("il"), "period": {"start": 1, "end": PERIOD_END}}]},
        "period_end": PERIOD_END - 60,
    }


def stripe_charge(scene: Scene) -> dict[str, Any]:
    return {
        "id": scene.ref("ch"),
        "object": "charge",
        "amount": 500,
        "amount_refunded": 125,
        "refunded": False,
        "payment_intent": scene.ref("pi"),
        "currency": "usd",
    }


def stripe_dispute(scene: Scene, status: str = "needs_response") -> dict[str, Any]:
    return {
        "id": scene.ref("dp"),
        "object": "dispute",
        "amount": 500,
        "charge": scene.ref("ch"),
        "payment_intent": scene.ref("pi"),
        "status": status,
        "currency": "usd",
    }


def stripe_subscription(scene: Scene, canceling: bool) -> dict[str, Any]:
    return {
        "id": scene.ref("sub"),
        "object": "subscription",
        "status": "active",
        "cancel_at_period_end": canceling,
        "items": {"object": "list", "data": [{"id": scene.ref("si"), "current_period_end": PERIOD_END}]},
        "current_period_end": None,
    }


def _dispute_fields(status: str) -> list[FieldSpec]:
    return [
        *STRIPE_ENVELOPE,
        spec(D + "id", "id"),
        spec(D + "charge", "id"),
        spec(D + "payment_intent", "id", missing="none"),  # then it names the charge only: it waits for it
        spec(D + "amount", "positive"),
        spec(D + "status", "word", missing=status),
        spec(D + "currency", "currency", **SAME_IF_MISSING),
    ]


def _subscription_fields(canceling: str) -> list[FieldSpec]:
    return [
        *STRIPE_ENVELOPE,
        spec(D + "id", "id"),
        spec(D + "cancel_at_period_end", "bool", missing=canceling, bool="same"),
        spec(D + "items", "object", **SAME_IF_ABSENT),
        spec(D + "items.data", "list", **SAME_IF_MISSING),
        spec(D + "items.data.0.current_period_end", "time", **SAME_IF_MISSING),
        spec(D + "current_period_end", "time", **SAME_IF_MISSING),
    ]


STRIPE_CASES = [
    EventCase("stripe pack paid", "stripe", "checkout.session.completed", "pack_pending", stripe_session, PAID_SESSION),
    EventCase(
        "stripe delayed payment succeeded",
        "stripe",
        "checkout.session.async_payment_succeeded",
        "pack_pending",
        stripe_session,
        PAID_SESSION,
    ),
    EventCase(
        "stripe delayed payment failed",
        "stripe",
        "checkout.session.async_payment_failed",
        "pack_pending",
        lambda s: stripe_session(s, paid=False),
        _session_fields(status="same", mode="same", payment_status="same", subscription="same"),
    ),
    EventCase(
        "stripe plan started",
        "stripe",
        "checkout.session.completed",
        "plan_pending",
        lambda s: stripe_session(s, plan=True),
        _session_fields(status="none", mode="none", payment_status="same", subscription="none"),
    ),
    EventCase(
        "stripe month paid",
        "stripe",
        "invoice.paid",
        "plan_pending",
        stripe_invoice,
        [
            *STRIPE_ENVELOPE,
            spec(D + "id", "id"),
            spec(D + "parent", "object", missing="none", nested="none"),
            spec(D + "parent.subscription_details", "object", missing="none", nested="none"),
            spec(D + "parent.subscription_details.subscription", "id", missing="none"),
            spec(D + "parent.subscription_details.metadata", "object", missing="none", nested="none"),
            spec(D + "parent.subscription_details.metadata.order", "id", missing="none"),
            spec(D + "subscription", "id", **SAME_IF_MISSING),
            spec(D + "payment_intent", "id", **SAME_IF_MISSING),
            spec(D + "payments", "object", **SAME_IF_ABSENT),
            spec(D + "payments.data", "list", **SAME_IF_MISSING),
            spec(D + "payments.data.0.payment", "object", **SAME_IF_ABSENT),
            spec(D + "payments.data.0.payment.payment_intent", "id", **SAME_IF_MISSING),
            spec(D + "lines", "object", **SAME_IF_ABSENT),
            spec(D + "lines.data", "list", **SAME_IF_MISSING),
            spec(D + "lines.data.0.period", "object", **SAME_IF_ABSENT),
            spec(D + "lines.data.0.period.end", "time", **SAME_IF_MISSING),
            spec(D + "period_end", "time", **SAME_IF_MISSING),
            spec(D + "amount_paid", "amount", zero="same", missing="same"),
            spec(D + "currency", "currency", **SAME_IF_MISSING),
        ],
    ),
    EventCase(
        "stripe refund",
        "stripe",
        "charge.refunded",
        "pack_paid",
        stripe_charge,
        [
            *STRIPE_ENVELOPE,
            spec(D + "id", "id"),
            spec(D + "payment_intent", "id", missing="none"),  # then it names the charge only: it waits for it
            spec(D + "amount_refunded", "amount", zero="none"),
            spec(D + "currency", "currency", **SAME_IF_MISSING),
        ],
    ),
    EventCase(
        "stripe dispute opened",
        "stripe",
        "charge.dispute.created",
        "pack_paid",
        stripe_dispute,
        _dispute_fields("same"),
    ),
    EventCase(
        "stripe dispute won",
        "stripe",
        "charge.dispute.closed",
        "pack_disputed",
        lambda s: stripe_dispute(s, "won"),
        _dispute_fields("accepted"),  # no status: a dispute closed and not won
    ),
    EventCase(
        "stripe plan canceling",
        "stripe",
        "customer.subscription.updated",
        "plan_active",
        lambda s: stripe_subscription(s, True),
        _subscription_fields("none"),
    ),
    EventCase(
        "stripe plan ended",
        "stripe",
        "customer.subscription.deleted",
        "plan_active",
        lambda s: stripe_subscription(s, False),
        _subscription_fields("same"),
    ),
]


# -- Creem -------------------------------------------------------------------------------------------------------

CREEM_ENVELOPE = [spec("id", "id"), spec("eventType", "type"), spec("object", "object")]
C = "object."


def creem_order(scene: Scene, recurring: bool = False) -> dict[str, Any]:
    return {
        "id": scene.ref("ord"),
        "object": "order",
        "transaction": scene.ref("tran"),
        "amount": 1000 if recurring else 500,
        "currency": "USD",
        "status": "paid",
        "type": "recurring" if recurring else "onetime",
    }


def creem_subscription(scene: Scene, expanded_product: bool = True) -> dict[str, Any]:
    product = {"id": "prod_monthly", "price": 1000, "currency": "USD"}
    return {
        "id": scene.ref("sub"),
        "object": "subscription",
        "status": "active",
        "product": product if expanded_product else "prod_monthly",
        "last_transaction_id": scene.ref("tran"),
        "metadata": {"order": scene.order, "offer": "plan-monthly"},
        "current_period_end_date": PERIOD_END_ISO,
    }


def creem_checkout(scene: Scene, plan: bool = False) -> dict[str, Any]:
    return {
        "id": f"ch_{scene.n:06d}x",
        "object": "checkout",
        "status": "completed",
        "request_id": scene.order,
        "metadata": {"order": scene.order, "offer": "plan-monthly" if plan else "pack-starter"},
        "order": creem_order(scene, plan),
        "subscription": creem_subscription(scene, expanded_product=False) if plan else None,
        "customer": {"id": "cust_1", "email": "buyer@example.com"},
    }


def creem_money_back(scene: Scene, dispute: bool = False) -> dict[str, Any]:
    about = {
        "transaction": {"id": scene.ref("tran"), "amount": 500, "refunded_amount": 125, "order": scene.ref("ord")},
        "checkout": {"id": f"ch_{scene.n:06d}x", "request_id": scene.order, "metadata": {"order": scene.order}},
        "order": creem_order(scene),
        "customer": {"id": "cust_1", "email": "buyer@example.com"},
    }
    if dispute:
        return {"id": scene.ref("disp"), "object": "dispute", "amount": 500, "currency": "USD", **about}
    return {"id": scene.ref("ref"), "object": "refund", "refund_amount": 125, "refund_currency": "USD", **about}


CHECKOUT_COMMON = [
    *CREEM_ENVELOPE,
    spec(C + "id", "id"),
    spec(C + "status", "word", **SAME_IF_MISSING),
    spec(C + "request_id", "id", **SAME_IF_MISSING),
    spec(C + "metadata", "object", **SAME_IF_ABSENT),
    spec(C + "metadata.order", "id", **SAME_IF_MISSING),
    spec(C + "order.id", "id"),
    spec(C + "order.status", "word", **SAME_IF_MISSING),
    spec(C + "order.amount", "amount", zero="same", missing="same"),
    spec(C + "order.currency", "currency", **SAME_IF_MISSING),
    spec(C + "order.transaction", "id", **SAME_IF_MISSING),
]
SUBSCRIPTION_COMMON = [
    *CREEM_ENVELOPE,
    spec(C + "id", "id"),
    spec(C + "product", "object", **SAME_IF_ABSENT),
    spec(C + "product.price", "amount", zero="same", missing="same"),
    spec(C + "product.currency", "currency", **SAME_IF_MISSING),
    spec(C + "current_period_end_date", "time", **SAME_IF_MISSING),
]
MONEY_BACK_COMMON = [
    *CREEM_ENVELOPE,
    spec(C + "id", "id"),
    spec(C + "transaction", "object", missing="same"),  # its order names the payment too
    spec(C + "transaction.id", "id"),
    spec(C + "transaction.order", "id", **SAME_IF_MISSING),
    spec(C + "checkout", "object", **SAME_IF_ABSENT),
    spec(C + "checkout.request_id", "id", **SAME_IF_MISSING),
    spec(C + "checkout.metadata", "object", **SAME_IF_ABSENT),
    spec(C + "checkout.metadata.order", "id", **SAME_IF_MISSING),
    spec(C + "order", "object", **SAME_IF_MISSING),
]

CREEM_CASES = [
    EventCase(
        "creem pack paid",
        "creem",
        "checkout.completed",
        "pack_pending",
        creem_checkout,
        [
            *CHECKOUT_COMMON,
            spec(C + "order", "object"),
            spec(C + "order.type", "word", **SAME_IF_MISSING),
            spec(C + "subscription", "id", **SAME_IF_MISSING),
        ],
    ),
    EventCase(
        "creem plan started",
        "creem",
        "checkout.completed",
        "plan_pending",
        lambda s: creem_checkout(s, plan=True),
        [
            *CHECKOUT_COMMON,
            spec(C + "order", "object", **SAME_IF_MISSING),  # the subscription starts the plan
            spec(C + "order.type", "word", **SAME_IF_MISSING),
            spec(C + "subscription", "object", missing="none"),
            spec(C + "subscription.id", "id"),
            spec(C + "subscription.last_transaction_id", "id", **SAME_IF_MISSING),
            spec(C + "subscription.product", "id", **SAME_IF_ABSENT),  # {...}: a product with no price
            spec(C + "subscription.current_period_end_date", "time", **SAME_IF_MISSING),
        ],
    ),
    EventCase(
        "creem month paid",
        "creem",
        "subscription.paid",
        "plan_pending",
        creem_subscription,
        [
            *SUBSCRIPTION_COMMON,
            spec(C + "last_transaction_id", "id"),
            spec(C + "metadata", "object", missing="none", nested="none"),
            spec(C + "metadata.order", "id", missing="none"),
        ],
    ),
    *[
        EventCase(
            f"creem {kind}",
            "creem",
            kind,
            "plan_active",
            creem_subscription,
            [
                *SUBSCRIPTION_COMMON,
                spec(C + "last_transaction_id", "id", **SAME_IF_MISSING),
                spec(C + "metadata", "object", **SAME_IF_ABSENT),
                spec(C + "metadata.order", "id", **SAME_IF_MISSING),
            ],
        )
        for kind in ("subscription.canceled", "subscription.expired", "subscription.scheduled_cancel")
    ],
    EventCase(
        "creem refund",
        "creem",
        "refund.created",
        "pack_paid",
        creem_money_back,
        [
            *MONEY_BACK_COMMON,
            spec(C + "refund_amount", "amount", zero="same", missing="same"),  # the transaction's total comes first
            spec(C + "refund_currency", "currency", **SAME_IF_MISSING),
            spec(C + "transaction.refunded_amount", "amount", zero="same", missing="same"),  # then the refund's own
        ],
    ),
    EventCase(
        "creem dispute",
        "creem",
        "dispute.created",
        "pack_paid",
        lambda s: creem_money_back(s, dispute=True),
        [
            *MONEY_BACK_COMMON,
            spec(C + "amount", "positive", missing="same"),  # none: the whole payment
            spec(C + "currency", "currency", **SAME_IF_MISSING),
            spec(C + "transaction.refunded_amount", "amount", zero="same", missing="same"),
        ],
    ),
]

ALL_CASES = STRIPE_CASES + CREEM_CASES
