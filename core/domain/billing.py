"""Billing: what can be bought, the orders and plans a user has, and what a payment provider tells us.

Money is always an integer in the currency's minor unit (cents); credits are integers too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class OfferKind(StrEnum):
    PACK = "pack"  # paid once, credits once
    PLAN = "plan"  # paid monthly, credits each paid month


class OrderStatus(StrEnum):
    PENDING = "pending"  # a checkout was started and is not paid (yet)
    PAID = "paid"
    PARTLY_REFUNDED = "partly_refunded"
    REFUNDED = "refunded"
    DISPUTED = "disputed"  # a chargeback is open, or was lost
    FAILED = "failed"  # the payment did not go through
    CANCELED = "canceled"  # the buyer left the checkout


ORDER_STATUS_LABELS = {
    OrderStatus.PENDING: "Pending",
    OrderStatus.PAID: "Paid",
    OrderStatus.PARTLY_REFUNDED: "Partly refunded",
    OrderStatus.REFUNDED: "Refunded",
    OrderStatus.DISPUTED: "Disputed",
    OrderStatus.FAILED: "Failed",
    OrderStatus.CANCELED: "Canceled",
}


class DisputeStatus(StrEnum):
    NONE = ""
    OPEN = "open"
    WON = "won"
    LOST = "lost"


class PlanStatus(StrEnum):
    ACTIVE = "active"
    CANCELING = "canceling"  # canceled by the user: no renewal, it runs to the end of the paid month
    ENDED = "ended"


PROVIDER_LABELS = {"stripe": "Stripe", "creem": "Creem", "demo": "Demo payments"}


@dataclass(frozen=True)
class Offer:
    """One thing on sale, from the billing catalogue."""

    id: str
    kind: OfferKind
    name: str
    credits: int
    amount: int  # minor units, e.g. 500 = $5.00
    currency: str  # ISO 4217, lower case: "usd"
    description: str = ""
    stripe_price: str = ""  # a Stripe catalog Price id; empty: the price is sent inline (price_data)
    creem_product: str = ""  # Creem sells only its own products: without one, the offer is not sold on Creem

    @property
    def price(self) -> str:
        return format_money(self.amount, self.currency)

    def sold_by(self, provider: str) -> bool:
        return provider != "creem" or bool(self.creem_product)


def format_money(amount: int, currency: str) -> str:
    symbol = {"usd": "$", "eur": "€", "gbp": "£"}.get(currency.lower())
    number = f"{amount / 100:,.2f}"
    return f"{symbol}{number}" if symbol else f"{number} {currency.upper()}"


@dataclass(frozen=True)
class CheckoutRequest:
    """What a provider needs to open a checkout for one of our orders: no name, no email."""

    order: str  # our order's public id: the provider echoes it back (metadata, client reference, request id)
    offer: Offer
    success_url: str  # the Billing page; the provider adds its own reference
    cancel_url: str


@dataclass(frozen=True)
class Checkout:
    """An opened checkout: where to send the buyer, or, for demo payments, already paid."""

    reference: str  # the provider's checkout id (cs_…, ch_…)
    url: str  # "" when nothing is left to do in a browser
    paid_now: tuple[PaymentEvent, ...] = ()  # demo payments: the checkout is paid at once


class EventKind(StrEnum):
    PAID = "paid"  # a one-time payment of an order succeeded
    FAILED = "failed"  # an order's payment failed
    STARTED = "started"  # a plan's checkout completed: links the subscription; its credits come with MONTH_PAID
    MONTH_PAID = "month_paid"  # a plan's month was paid (the first one too)
    REFUNDED = "refunded"  # money went back: `refunded` is the payment's cumulative refunded amount
    DISPUTE_OPENED = "dispute_opened"
    DISPUTE_CLOSED = "dispute_closed"
    PLAN_CANCELING = "plan_canceling"  # will not renew
    PLAN_ENDED = "plan_ended"
    IGNORED = "ignored"  # a well-signed event we do not act on


@dataclass(frozen=True)
class PaymentEvent:
    """What a provider told us (by a signed webhook or by our own request), in our terms.

    Only references and amounts: never a card, a name or an email.
    """

    provider: str
    kind: EventKind
    event_id: str = ""  # the provider's event id; "" when we asked the provider ourselves
    order: str = ""  # our order's public id, when the provider echoes it
    checkout: str = ""  # the provider's checkout id
    payment: str = ""  # what refunds and disputes name: a payment intent, a transaction, an order
    also_payment: str = ""  # a second name for the same payment (Creem: its order as well as its transaction)
    grant: str = ""  # the business key of this payment: a session, an invoice, an order, a transaction
    subscription: str = ""
    amount: int = 0  # paid, or disputed
    currency: str = ""
    refunded: int = 0  # cumulative, for REFUNDED
    dispute: str = ""
    dispute_won: bool = False
    period_end: datetime | None = None
    type: str = ""  # the provider's own event type, for the log


@dataclass(frozen=True)
class OrderView:
    id: int  # the paging cursor
    public_id: str
    created_at: datetime
    offer_name: str
    kind: OfferKind
    amount: int
    currency: str
    provider: str
    status: OrderStatus
    credits: int  # what the order grants when paid
    credits_granted: int
    credits_clawed_back: int  # net of anything reinstated
    amount_refunded: int
    dispute: DisputeStatus
    paid_at: datetime | None
    reference: str  # the provider's reference a support person would ask for

    @property
    def price(self) -> str:
        return format_money(self.amount, self.currency)

    @property
    def status_label(self) -> str:
        label = ORDER_STATUS_LABELS[self.status]
        if self.status == OrderStatus.DISPUTED and self.dispute == DisputeStatus.LOST:
            return "Disputed (lost)"
        return label

    @property
    def provider_label(self) -> str:
        return PROVIDER_LABELS.get(self.provider, self.provider)

    @property
    def net_credits(self) -> int:
        return self.credits_granted - self.credits_clawed_back


@dataclass(frozen=True)
class PlanView:
    public_id: str
    offer_name: str
    credits: int
    amount: int
    currency: str
    provider: str
    status: PlanStatus
    period_end: datetime | None  # the renewal date, or the end date once canceled

    @property
    def price(self) -> str:
        return format_money(self.amount, self.currency)


@dataclass(frozen=True)
class BillingOutcome:
    """What the Billing page says after a buy or a return from checkout."""

    ok: bool
    message: str
    redirect: str = ""  # where the browser must go next (a provider's checkout page)


@dataclass(frozen=True)
class Receipt:
    order: OrderView
    seller: str
    lines: list[tuple[str, str]] = field(default_factory=list)  # (label, value) facts, in order
