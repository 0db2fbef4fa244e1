"""Billing: what can be bought, the orders and plans a user has, and what a payment provider tells us.

Money is always an integer in the currency's minor unit (cents); credits are integers too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import TypeGuard

from core.errors import InvalidPaymentEventError

# What a provider may tell us, whichever way it reaches us (a webhook, our own request, the demo provider).
MAX_AMOUNT = 1_000_000_000  # minor units: far above any price on sale, and inside the 4-byte amount columns
MAX_ID_LENGTH = 120  # provider ids are ~30-70 characters; the reference columns hold 200 with a prefix
ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,119}"  # letters, digits and _ . : - only: safe in a log and a URL
EVENT_TYPE_PATTERN = r"[a-z][a-z0-9_.]{0,59}"  # "checkout.session.completed"; the type column holds 60
EARLIEST, LATEST = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
_ID, _EVENT_TYPE = re.compile(ID_PATTERN), re.compile(EVENT_TYPE_PATTERN)
_CURRENCY, _PROVIDER = re.compile(r"[a-z]{3}"), re.compile(r"[a-z]{1,10}")


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

    def __post_init__(self) -> None:
        """Whoever made this event (an adapter, the demo provider, a waiting event read back), it holds only
        safe ids and amounts in range before it can reach the ledger."""
        if problem := _event_problem(self):
            raise InvalidPaymentEventError(f"PaymentEvent.{problem}")


_REFERENCES = ("event_id", "order", "checkout", "payment", "also_payment", "grant", "subscription", "dispute")


def _event_problem(event: PaymentEvent) -> str:
    """What breaks the rules of a PaymentEvent, by field name and rule (never the value); "" if nothing does."""
    if not isinstance(event.provider, str) or not _PROVIDER.fullmatch(event.provider):
        return "provider is not a provider name"
    if not isinstance(event.kind, EventKind):
        return "kind is not an EventKind"
    for name in _REFERENCES:
        value = getattr(event, name)
        if value != "" and not is_safe_id(value):
            return f"{name} is not a safe id of at most {MAX_ID_LENGTH} characters"
    for name in ("amount", "refunded"):
        value = getattr(event, name)
        if type(value) is not int or not 0 <= value <= MAX_AMOUNT:
            return f"{name} is not a whole number from 0 to {MAX_AMOUNT}"
    if not isinstance(event.currency, str) or (event.currency and not _CURRENCY.fullmatch(event.currency)):
        return "currency is not a 3-letter code in lower case"
    if type(event.dispute_won) is not bool:
        return "dispute_won is not true or false"
    if event.period_end is not None and not _in_range(event.period_end):
        return f"period_end is not a time from {EARLIEST.year} to {LATEST.year}"
    if event.type != "" and not is_event_type(event.type):
        return "type is not an event type"
    if event.kind in (EventKind.PAID, EventKind.MONTH_PAID) and not event.grant:
        return "grant is missing: a payment needs its own key"
    return ""


def is_safe_id(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and _ID.fullmatch(value) is not None


def is_event_type(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and _EVENT_TYPE.fullmatch(value) is not None


def _in_range(moment: object) -> bool:
    if not isinstance(moment, datetime):
        return False
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return EARLIEST <= aware < LATEST


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
