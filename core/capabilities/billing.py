"""Billing: packs and plans through the payment providers, their webhooks, demo plans renewed when due, and
pending checkouts settled by asking their providers (a lost webhook still fulfils)."""

from core.billing_catalogue import load_offers
from core.container import Container
from core.registry import Capability, PeriodicTask, hourly
from core.services.billing import BillingService
from core.web.payment_webhooks import payment_webhook_routes

PENDING_CHECK_SECONDS = 300.0  # checkouts still pending are asked about this often


def billing(c: Container) -> BillingService:
    s = c.settings
    return BillingService(
        c.db,
        c.payments,
        load_offers(s.billing_catalogue_file),
        c.clock,
        seller=s.billing_seller,
        public_base_url=s.public_base_url,
    )


CAPABILITY = Capability(
    name="billing",
    services={BillingService: billing},
    routes=(payment_webhook_routes,),
    tasks=(
        PeriodicTask(
            "renew demo plans", hourly, lambda c: c.billing.renew_due_plans(), "Renewed or ended %d demo plans"
        ),
        PeriodicTask(
            "settle pending checkouts",
            lambda _settings: PENDING_CHECK_SECONDS,
            lambda c: c.billing.reconcile_pending(),
            "Settled %d pending checkouts by asking their providers",
        ),
    ),
)
