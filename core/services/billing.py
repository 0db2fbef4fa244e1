"""BillingService: buying packs and plans, coming back from a checkout, webhooks, orders, receipts and plans.

Every credit that a payment brings goes through `fulfilment.apply`, whether a signed webhook
reports the payment or the return page asked the provider itself. A query parameter only says
which checkout to ask about; it is never taken as proof of payment.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol, cast
from urllib.parse import urlencode

from core.clock import Clock
from core.domain import Page, UserView, keyset_page
from core.domain.billing import (
    BillingOutcome,
    CheckoutRequest,
    Offer,
    OfferKind,
    OrderStatus,
    OrderView,
    PaymentEvent,
    PlanStatus,
    PlanView,
    Receipt,
)
from core.errors import MalformedEventError, NotFoundError, PaymentError, ValidationError, WebhookRejectedError
from core.ports import PaymentProvider
from core.services import audit, fulfilment
from core.services.billing_views import order_view, plan_view, receipt_lines
from core.text import plural
from db.tables import Order
from db.uow import Database

log = logging.getLogger(__name__)
_TOKEN = re.compile(r"[0-9a-f]{16}")
EXPIRED = "That purchase form has expired. Please try again."
NOT_YOURS = "We could not find that checkout in your account. Nothing was charged."
BILLING_PATH = "/billing"
REOPEN_CHECKOUT_FOR = timedelta(minutes=30)  # a pending checkout younger than this is reopened, not duplicated
ASK_AFTER = timedelta(minutes=5)  # a checkout still pending this long is asked about (its webhook may be lost)
GIVE_UP_AFTER = timedelta(hours=25)  # and one unpaid this long is over: Stripe's and Creem's checkouts expire in 24 h


class RenewsItself(Protocol):
    """A provider with no webhooks that keeps its own plans going (the demo provider)."""

    def month_due(self, subscription: str, month: int, canceling: bool) -> PaymentEvent: ...


@dataclass(frozen=True)
class WebhookAnswer:
    status: int
    text: str


class BillingService:
    page_size = 20

    def __init__(
        self,
        db: Database,
        providers: Mapping[str, PaymentProvider],
        offers: list[Offer],
        clock: Clock,
        *,
        seller: str = "Atelier",
        public_base_url: str = "",
    ) -> None:
        self.db, self.providers, self.clock = db, dict(providers), clock
        self._offers = offers
        self.seller = seller
        self.public_base_url = public_base_url.rstrip("/")

    # -- what is on sale -------------------------------------------------------------------------------------

    def provider_names(self) -> list[str]:
        return list(self.providers)

    @property
    def is_demo(self) -> bool:
        return "demo" in self.providers

    def offers(self, kind: OfferKind, provider: str) -> list[Offer]:
        return [o for o in self._offers if o.kind == kind and o.sold_by(provider)]

    def offer(self, offer_id: str, provider: str) -> Offer:
        found = next((o for o in self._offers if o.id == offer_id and o.sold_by(provider)), None)
        if found is None:
            raise ValidationError("That offer is not on sale here any more. Please choose another.")
        return found

    # -- buying ----------------------------------------------------------------------------------------------

    @staticmethod
    def new_token() -> str:
        """An idempotency token for one rendering of the Billing page; it becomes the order's public id."""
        return fulfilment.new_public_id()

    def buy(
        self, user: UserView, offer_id: str, provider_name: str, base_url: str, token: str | None = None
    ) -> BillingOutcome:
        """Open a checkout for one offer (or reopen the one started minutes ago). Demo payments are paid here.

        `token` names the order: a second click with the same token (a double click, a rerun) finds the
        first order instead of making another, even when both clicks arrive at once."""
        if token is not None and not _TOKEN.fullmatch(token):
            raise ValidationError(EXPIRED)
        provider = self._provider(provider_name)
        offer = self.offer(offer_id, provider_name)
        now = self.clock()
        order = fulfilment.new_order(
            user.id,
            offer.id,
            offer.name,
            offer.kind,
            offer.credits,
            offer.amount,
            offer.currency,
            provider_name,
            now,
            token or "",
        )
        with self.db.uow() as uow:
            earlier = uow.billing.order(token) if token else None
            if earlier is None:
                if offer.kind == OfferKind.PLAN and (plan := uow.billing.current_plan(user.id)):
                    raise ValidationError(
                        f"You already have the {plan.offer_name}. Cancel it first to change plans; "
                        "its month still runs."
                    )
                earlier = uow.billing.open_checkout(user.id, offer.id, provider_name, now - REOPEN_CHECKOUT_FOR)
            if earlier is None and not uow.billing.add_order_once(order):
                earlier = uow.billing.order(order.public_id)  # the same token, committed a moment ago
            uow.commit()  # the order exists before the provider hears of it: its id is the checkout's key
        if earlier is not None:
            return self._again(user, earlier)
        base = (self.public_base_url or base_url.rstrip("/")) + BILLING_PATH
        request = CheckoutRequest(
            order=order.public_id,
            offer=offer,
            success_url=f"{base}?{urlencode({'return': provider_name, 'order': order.public_id})}",
            cancel_url=f"{base}?{urlencode({'return': provider_name, 'order': order.public_id, 'canceled': 1})}",
        )
        try:
            checkout = provider.start_checkout(request)
        except PaymentError:
            self._end_unpaid(order.public_id, OrderStatus.FAILED)
            raise
        with self.db.uow() as uow:
            row = uow.billing.order(order.public_id, lock=True)
            assert row is not None
            row.checkout_ref, row.checkout_url = checkout.reference, checkout.url or None
            uow.commit()
        self._apply_confirmed(order.public_id, checkout.paid_now)
        if checkout.url:
            return BillingOutcome(True, "Continue to the secure checkout.", redirect=checkout.url)
        return self._outcome(user, order.public_id)

    def confirm_return(self, user: UserView, provider_name: str, checkout: str) -> BillingOutcome:
        """The buyer is back from a checkout: ask the provider from the server what became of it."""
        provider = self._provider(provider_name)
        with self.db.reader() as uow:
            order = uow.billing.order_by_checkout(provider_name, checkout)
            if order is None or order.user_id != user.id:
                return BillingOutcome(False, NOT_YOURS)
            public_id = order.public_id
        try:
            events = provider.confirm(checkout)
        except PaymentError as exc:
            return BillingOutcome(False, str(exc))
        self._apply_confirmed(public_id, events)
        return self._outcome(user, public_id)

    def checkout_canceled(self, user: UserView, public_id: str) -> BillingOutcome:
        """The buyer left the checkout: the order is marked canceled if it is still unpaid; nothing else changes."""
        if not self._end_unpaid(public_id, OrderStatus.CANCELED, owner=user.id):
            return BillingOutcome(False, NOT_YOURS)
        return BillingOutcome(True, "Checkout canceled. Nothing was charged and your balance is unchanged.")

    # -- webhooks --------------------------------------------------------------------------------------------

    def receive(self, provider_name: str, body: bytes, headers: Mapping[str, str]) -> WebhookAnswer:
        """A provider's webhook: verified over the raw body, read strictly, recorded once, applied once. Runs in a
        worker thread. Every log line here holds our own words and checked ids only, never the payload's text."""
        provider = self.providers.get(provider_name)
        if provider is None or not provider.has_webhooks:
            return WebhookAnswer(404, "Not found.")
        try:
            event = provider.parse_webhook(body, headers)
        except MalformedEventError as exc:  # well signed, but not sound: recorded once for admins, nothing else
            with self.db.uow() as uow:
                fulfilment.reject(uow, provider_name, exc, self.clock())
                uow.commit()
            log.warning(
                "Refused a signed %s event %s (%s): %s", provider_name, exc.event_id or "-", exc.type or "-", exc.reason
            )
            return WebhookAnswer(400, "Malformed event.")
        except WebhookRejectedError as exc:  # anyone can send these: nothing is recorded
            log.warning("Refused a %s webhook: %s", provider_name, exc)
            return WebhookAnswer(400, "Bad signature.")
        with self.db.uow() as uow:
            applied = fulfilment.apply(uow, event, self.clock())
            uow.commit()
        log.info("%s event %s (%s): %s", provider_name, event.type, event.event_id, applied.outcome)
        return WebhookAnswer(200, applied.outcome)

    # -- what the user has -----------------------------------------------------------------------------------

    def orders(self, user: UserView, before: int | None = None) -> Page[OrderView]:
        with self.db.reader() as uow:
            rows = uow.billing.orders_page(user.id, before, self.page_size + 1)
            total = uow.billing.count_orders(user.id)
        return keyset_page([order_view(o) for o in rows], self.page_size, total)

    def order(self, user: UserView, public_id: str) -> OrderView:
        with self.db.reader() as uow:
            order = uow.billing.user_order(user.id, public_id)
        if order is None:
            raise NotFoundError("That order does not exist.")
        return order_view(order)

    def receipt(self, user: UserView, public_id: str) -> Receipt:
        order = self.order(user, public_id)
        return Receipt(order=order, seller=self.seller, lines=receipt_lines(order))

    def plan(self, user: UserView) -> PlanView | None:
        with self.db.reader() as uow:
            plan = uow.billing.current_plan(user.id)
        return plan_view(plan) if plan else None

    def cancel_plan(self, user: UserView) -> str:
        """Stop the plan renewing. It runs to the end of the paid month; the credits stay."""
        with self.db.reader() as uow:
            plan = uow.billing.current_plan(user.id)
        if plan is None:
            raise ValidationError("You have no plan to cancel.")
        if plan.status == PlanStatus.ACTIVE:
            self._provider(plan.provider).cancel_plan(plan.subscription_ref)
            with self.db.uow() as uow:
                row = uow.billing.plan_by_subscription(plan.provider, plan.subscription_ref, lock=True)
                if row is not None and row.status == PlanStatus.ACTIVE:
                    row.status = PlanStatus.CANCELING
                    audit.record(
                        uow, self.clock(), user.id, "billing.plan_canceled", f"user:{user.id}", plan=row.public_id
                    )
                uow.commit()
        until = f" on {plan.period_end:%d %B %Y}" if plan.period_end else " at the end of the paid month"
        return (
            f"Your {plan.offer_name} is canceled. It ends{until}: no further payments are taken and no further "
            "credits are added. The credits you have stay yours."
        )

    def reconcile_pending(self) -> int:
        """Ask the providers about checkouts still pending after a few minutes, so a payment whose webhook was
        lost (and whose buyer never came back) is still fulfilled; one unpaid for over a day is marked canceled.
        Returns how many orders changed."""
        now, changed = self.clock(), 0
        with self.db.reader() as uow:
            pending = [
                (o.public_id, o.provider, o.checkout_ref, o.created_at)
                for o in uow.billing.pending_checkouts(now - ASK_AFTER)
            ]
        for public_id, name, checkout, created in pending:
            provider = self.providers.get(name)
            if provider is None or checkout is None:
                continue
            try:
                events = provider.confirm(checkout)
            except PaymentError:
                continue  # asked again next time
            status = self._apply_confirmed(public_id, events)
            if status == OrderStatus.PENDING and created < now - GIVE_UP_AFTER:
                status = OrderStatus.CANCELED if self._end_unpaid(public_id, OrderStatus.CANCELED) else status
            changed += status != OrderStatus.PENDING
        return changed

    def renew_due_plans(self) -> int:
        """Plans of providers without webhooks (demo) whose month is over: renew them, or end canceled ones."""
        now, done = self.clock(), 0
        for name, provider in self.providers.items():
            if provider.has_webhooks or not hasattr(provider, "month_due"):
                continue
            renews = cast(RenewsItself, provider)
            with self.db.reader() as uow:
                due = [(p.subscription_ref, p.months_paid, p.status) for p in uow.billing.plans_due(name, now)]
            for subscription, months, status in due:
                event = renews.month_due(subscription, months + 1, status == PlanStatus.CANCELING)
                with self.db.uow() as uow:
                    fulfilment.apply(uow, event, now)
                    uow.commit()
                done += 1
        return done

    # -- helpers ---------------------------------------------------------------------------------------------

    def _provider(self, name: str) -> PaymentProvider:
        provider = self.providers.get(name)
        if provider is None:
            raise ValidationError("That payment provider is not available here.")
        return provider

    def _apply_confirmed(self, public_id: str, events: Sequence[PaymentEvent]) -> OrderStatus:
        """What the provider told us when we asked about one of our orders, through the one fulfilment function;
        the order's status after it. An event naming another order is not this checkout's, and is left alone."""
        with self.db.uow() as uow:
            for event in events:
                if event.order in ("", public_id):
                    fulfilment.apply(uow, event, self.clock())
            order = uow.billing.order(public_id)
            uow.commit()
        return OrderStatus(order.status) if order is not None else OrderStatus.PENDING

    def _end_unpaid(self, public_id: str, status: OrderStatus, owner: int | None = None) -> bool:
        """Mark an order that is still pending failed or canceled; False if it is not there (or not `owner`'s)."""
        with self.db.uow() as uow:
            order = uow.billing.order(public_id, lock=True)
            if order is None or (owner is not None and order.user_id != owner):
                return False
            if order.status == OrderStatus.PENDING:
                order.status, order.updated_at = status, self.clock()
                uow.commit()
        return True

    def _again(self, user: UserView, earlier: Order) -> BillingOutcome:
        """A second click for an order already made: its open checkout again, or what became of it."""
        if earlier.user_id != user.id:
            raise ValidationError(EXPIRED)
        if earlier.checkout_url and earlier.status == OrderStatus.PENDING:
            return BillingOutcome(True, "Your checkout is still open.", redirect=earlier.checkout_url)
        return self._outcome(user, earlier.public_id)

    def _outcome(self, user: UserView, public_id: str) -> BillingOutcome:
        order = self.order(user, public_id)
        with self.db.reader() as uow:
            balance = uow.users.balance(user.id)
        if order.status == OrderStatus.PENDING:
            return BillingOutcome(
                True,
                "Your payment is being processed. Your credits arrive as soon as it is confirmed, "
                "usually within a minute; this page shows them.",
            )
        if order.status == OrderStatus.FAILED:
            return BillingOutcome(False, "The payment did not go through. Nothing was charged.")
        what = "your first month of " if order.kind == OfferKind.PLAN else ""
        return BillingOutcome(
            True,
            f"Payment received for {what}{order.offer_name}: {plural(order.credits, 'credit')} added. "
            f"Your balance is {balance:,} credits.",
        )
