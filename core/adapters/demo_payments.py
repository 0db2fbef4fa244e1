"""Demo payments: the embedded default. Every checkout is paid at once and no money moves.

It lets the whole billing flow (orders, receipts, plans and their renewals, cancellation) be
used with no keys and no network; the Billing page says so in a banner, and production refuses it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from core.clock import Clock
from core.domain.billing import Checkout, CheckoutRequest, EventKind, OfferKind, PaymentEvent
from core.errors import PaymentError, WebhookRejectedError

MONTH = timedelta(days=30)
PREFIX = "demo_"


class DemoPayments:
    name = "demo"
    has_webhooks = False

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def start_checkout(self, request: CheckoutRequest) -> Checkout:
        reference = PREFIX + request.order
        return Checkout(reference=reference, url="", paid_now=tuple(self._paid(request.order, request.offer.kind)))

    def confirm(self, checkout: str) -> list[PaymentEvent]:
        """A demo checkout is paid the moment it opens; its reference names its order."""
        if not checkout.startswith(PREFIX):
            raise PaymentError("That is not a demo checkout.")
        return []  # nothing left to confirm: start_checkout reported it paid

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> PaymentEvent:
        raise WebhookRejectedError("demo payments send no webhooks")

    def cancel_plan(self, subscription: str) -> None:
        """Nothing to tell anyone: the plan simply ends when its month does (see `month_due`)."""

    def month_due(self, subscription: str, month: int, canceling: bool) -> PaymentEvent:
        """What happens when a demo plan's paid month is over: the next month is paid, or a canceled plan ends."""
        if canceling:
            return PaymentEvent(self.name, EventKind.PLAN_ENDED, subscription=subscription, type="demo.plan_ended")
        return PaymentEvent(
            self.name,
            EventKind.MONTH_PAID,
            subscription=subscription,
            grant=f"{subscription}:month:{month}",
            payment=f"{subscription}:month:{month}",
            period_end=self.clock() + MONTH,
            type="demo.month_paid",
        )

    def _paid(self, order: str, kind: OfferKind) -> list[PaymentEvent]:
        reference = PREFIX + order
        if kind == OfferKind.PACK:
            return [
                PaymentEvent(
                    self.name,
                    EventKind.PAID,
                    order=order,
                    checkout=reference,
                    grant=reference,
                    payment=reference,
                    type="demo.paid",
                )
            ]
        subscription = f"{PREFIX}sub_{order}"
        return [
            PaymentEvent(
                self.name,
                EventKind.STARTED,
                order=order,
                checkout=reference,
                subscription=subscription,
                period_end=self.clock() + MONTH,
                type="demo.plan_started",
            ),
            PaymentEvent(
                self.name,
                EventKind.MONTH_PAID,
                order=order,
                checkout=reference,
                subscription=subscription,
                grant=f"{subscription}:month:1",
                payment=f"{subscription}:month:1",
                period_end=self.clock() + MONTH,
                type="demo.month_paid",
            ),
        ]
