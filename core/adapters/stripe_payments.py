"""Stripe: Checkout Sessions through `StripeClient`, and Stripe's signed webhooks verified (stripe_events.py reads them).

The only module that imports `stripe`. Notes: ../shared/reference/stripe-creem.md section 1.
- Telemetry is off (it would write an id file under ~/.config), and the library's own debug log is too: it
  writes whole API answers, the buyer's email among them.
- A checkout is created with the idempotency key `checkout:<order>`, so a retry or a rerun
  returns the first session; the order's id travels as `client_reference_id` and metadata
  (on the session, and on the payment intent or the subscription), never a name or an email.
- Every answer and event is read strictly by stripe_events.py before anything acts on it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import stripe

from core.adapters import stripe_events
from core.adapters.provider_events import Unreadable, read, refusal
from core.adapters.stripe_events import OpenedSession, Session, Subscription
from core.domain.billing import Checkout, CheckoutRequest, OfferKind, PaymentEvent
from core.errors import PaymentError, WebhookRejectedError

stripe.enable_telemetry = False
logging.getLogger("stripe").setLevel(logging.INFO)  # its DEBUG records hold whole API answers (and emails)
log = logging.getLogger(__name__)
TOLERANCE_SECONDS = 300  # Stripe's default: an older signed timestamp is a replay
NAME = "stripe"
RETURN_PARAM = "checkout"  # the success URL's parameter Stripe fills with the session id


class StripePayments:
    name = NAME
    has_webhooks = True

    def __init__(self, secret_key: str, webhook_secret: str, *, api_base: str = "") -> None:
        addresses: Any = {"api": api_base.rstrip("/")} if api_base else None
        self.client = stripe.StripeClient(secret_key, base_addresses=addresses, max_network_retries=2)
        self.webhook_secret = webhook_secret

    def start_checkout(self, request: CheckoutRequest) -> Checkout:
        offer, order = request.offer, request.order
        item: dict[str, Any] = {"quantity": 1}
        if offer.stripe_price:
            item["price"] = offer.stripe_price
        else:
            data: dict[str, Any] = {
                "currency": offer.currency,
                "unit_amount": offer.amount,
                "product_data": {"name": offer.name},
            }
            if offer.kind == OfferKind.PLAN:
                data["recurring"] = {"interval": "month"}
            item["price_data"] = data
        metadata = {"order": order, "offer": offer.id}
        params: dict[str, Any] = {
            "mode": "subscription" if offer.kind == OfferKind.PLAN else "payment",
            "line_items": [item],
            "client_reference_id": order,
            "metadata": metadata,
            "success_url": _with_query(request.success_url, f"{RETURN_PARAM}={{CHECKOUT_SESSION_ID}}"),
            "cancel_url": request.cancel_url,
        }
        if offer.kind == OfferKind.PLAN:
            params["subscription_data"] = {"metadata": metadata}
        else:
            params["payment_intent_data"] = {"metadata": metadata}
        try:
            created = self.client.v1.checkout.sessions.create(
                params,  # type: ignore[arg-type]
                {"idempotency_key": f"checkout:{order}"},
            )
            session = read(OpenedSession, _plain(created))
        except stripe.StripeError as exc:
            log.warning("Stripe refused a checkout: %s (HTTP %s)", type(exc).__name__, exc.http_status)
        except (Unreadable, ValueError) as exc:  # ValueError: an answer the library could not decode
            log.warning("Stripe's answer to a new checkout was refused: %s", refusal(exc))
        else:
            return Checkout(reference=session.id, url=session.url or "")
        raise PaymentError("Stripe could not open a checkout just now. Nothing was charged; please try again.")

    def confirm(self, checkout: str) -> list[PaymentEvent]:
        try:
            session = read(Session, _plain(self.client.v1.checkout.sessions.retrieve(checkout)))
            subscription_id = stripe_events.month_to_confirm(session)
            if not subscription_id:
                return stripe_events.session_events(session, "confirmed")
            subscription = read(Subscription, _plain(self.client.v1.subscriptions.retrieve(subscription_id)))
            return [
                *stripe_events.session_events(session, "confirmed"),
                stripe_events.first_month(session, subscription),
            ]
        except stripe.StripeError as exc:
            log.warning("Stripe could not confirm a checkout: %s (HTTP %s)", type(exc).__name__, exc.http_status)
        except (Unreadable, ValueError) as exc:  # an answer not even the library could decode, or a refused event
            log.warning("Stripe's answer about a checkout was refused: %s", refusal(exc))
        raise PaymentError(
            "Stripe could not confirm this payment just now. If it went through, "
            "your credits arrive within a minute; this page shows them when they do."
        )

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> PaymentEvent:
        """Verify the signature over the raw body (and its timestamp's age), then read the event strictly: a
        bad signature is a plain refusal, a well-signed event we cannot read a MalformedEventError."""
        signature = headers.get("stripe-signature", "")
        if not signature:
            raise WebhookRejectedError("no Stripe-Signature header")
        try:
            stripe.WebhookSignature.verify_header(body, signature, self.webhook_secret, TOLERANCE_SECONDS)
        except (stripe.SignatureVerificationError, ValueError, TypeError) as exc:  # TypeError: a non-ASCII v1
            raise WebhookRejectedError(f"Stripe signature refused: {type(exc).__name__}") from None
        return stripe_events.parse_event(body)

    def cancel_plan(self, subscription: str) -> None:
        try:
            self.client.v1.subscriptions.update(subscription, {"cancel_at_period_end": True})
        except stripe.StripeError as exc:
            log.warning("Stripe could not cancel a plan: %s (HTTP %s)", type(exc).__name__, exc.http_status)
            raise PaymentError(
                "Stripe could not cancel the plan just now. Nothing changed; please try again."
            ) from None


def _plain(found: object) -> object:
    """An answer as plain data for the readers; an answer that is not a Stripe object stays as it is (and is
    refused by the reader)."""
    return found.to_dict() if isinstance(found, stripe.StripeObject) else found


def _with_query(url: str, query: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{query}"
