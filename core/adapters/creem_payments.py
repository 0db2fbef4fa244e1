"""Creem (a merchant of record): a thin httpx client for the three calls we make, and its signed webhooks.

Creem has no official Python SDK; the unofficial ones are young single-maintainer projects, and
one misreads event types (../shared/reference/stripe-creem.md section 3.6), so these few calls
are written here. One of the modules allowed to import httpx.
- Every request carries `x-api-key`. Test keys (`creem_test_…`) go to test-api.creem.io.
- A webhook's `creem-signature` is the hex HMAC-SHA256 of the raw body under the webhook secret,
  compared in constant time. No timestamp is signed: replays are caught by the event id.
- Creem documents no idempotency key for checkouts: the billing service reopens an order's
  open checkout instead of asking for a second one.
- Every answer and event is read strictly by creem_events.py before anything acts on it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Mapping
from typing import Any

import httpx

from core.adapters import creem_events
from core.adapters.creem_events import OpenedCheckout
from core.adapters.provider_events import Unreadable, read, refusal
from core.domain.billing import Checkout, CheckoutRequest, PaymentEvent
from core.errors import InvalidPaymentEventError, PaymentError, WebhookRejectedError

log = logging.getLogger(__name__)
NAME = "creem"
LIVE_API, TEST_API = "https://api.creem.io", "https://test-api.creem.io"
TIMEOUT_SECONDS = 15.0


class CreemPayments:
    name = NAME
    has_webhooks = True

    def __init__(self, api_key: str, webhook_secret: str, *, api_base: str = "") -> None:
        base = api_base or (TEST_API if api_key.startswith("creem_test_") else LIVE_API)
        self.http = httpx.Client(base_url=base.rstrip("/"), headers={"x-api-key": api_key}, timeout=TIMEOUT_SECONDS)
        self.webhook_secret = webhook_secret.encode()

    def start_checkout(self, request: CheckoutRequest) -> Checkout:
        body = {
            "product_id": request.offer.creem_product,
            "request_id": request.order,
            "success_url": request.success_url,
            "metadata": {"order": request.order, "offer": request.offer.id},
        }
        found = self._call("POST", "/v1/checkouts", "open a checkout", json=body)
        try:
            opened = read(OpenedCheckout, found)
        except Unreadable as exc:
            log.warning("Creem's answer to a new checkout was refused: %s", exc.reason)
            raise PaymentError(
                "Creem could not open a checkout just now. Nothing was charged; please try again."
            ) from None
        return Checkout(reference=opened.id, url=opened.checkout_url or "")

    def confirm(self, checkout: str) -> list[PaymentEvent]:
        found = self._call("GET", "/v1/checkouts", "confirm this payment", params={"checkout_id": checkout})
        try:
            return creem_events.confirmed(found)
        except (Unreadable, InvalidPaymentEventError) as exc:
            log.warning("Creem's answer about a checkout was refused: %s", refusal(exc))
            raise PaymentError(
                "Creem could not confirm this payment just now. If it went through, "
                "your credits arrive within a minute; this page shows them when they do."
            ) from None

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> PaymentEvent:
        """Verify the signature over the raw body, then read the event strictly: a bad signature is a plain
        refusal, a well-signed event we cannot read a MalformedEventError."""
        signature = headers.get("creem-signature", "")
        expected = hmac.new(self.webhook_secret, body, hashlib.sha256).hexdigest()
        if not signature or not hmac.compare_digest(signature.encode(), expected.encode()):
            raise WebhookRejectedError("Creem signature refused")
        return creem_events.parse_event(body)

    def cancel_plan(self, subscription: str) -> None:
        self._call("POST", f"/v1/subscriptions/{subscription}/cancel", "cancel the plan", json={"mode": "scheduled"})

    def _call(self, method: str, path: str, doing: str, **kwargs: Any) -> dict[str, Any]:
        refused = PaymentError(f"Creem could not {doing} just now. Nothing was charged by us; please try again.")
        try:
            response = self.http.request(method, path, **kwargs)
            response.raise_for_status()
            found = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            status = exc.response.status_code if isinstance(exc, httpx.HTTPStatusError) else None
            log.warning("Creem could not %s: %s (HTTP %s)", doing, type(exc).__name__, status)
            raise refused from None
        if not isinstance(found, dict):
            log.warning("Creem could not %s: the answer is not a JSON object", doing)
            raise refused
        return found
