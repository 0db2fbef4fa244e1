"""Billing: packs and plans through the payment providers, their webhooks, demo plans renewed when due, and
pending checkouts settled by asking their providers (a lost webhook still fulfils)."""

from datetime import datetime, timedelta

from core.billing_catalogue import load_offers
from core.container import Container
from core.personal_data import Category, OnErasure, PersonalData, count_rows
from core.registry import Capability, PeriodicTask, RetentionRule, hourly
from core.services import erasure_steps
from core.services.billing import BillingService
from core.settings import Settings
from core.web.payment_webhooks import payment_webhook_routes
from db.repositories.payment_payloads import PaymentPayloadRepository

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


PAYMENT = "Stripe and Creem: payment"
TAX_REASON = "kept 10 years for tax law, with nothing that names you"
PERSONAL_DATA = (
    PersonalData(
        "table:payment_events",
        Category.PAYMENTS,
        "The payment providers' messages about your orders",
        "",
        OnErasure.PSEUDONYMISE,
        55,
        erasure_steps.empty_payment_events,
        reason="the providers' messages about your orders; what they changed is in orders.csv. On erasure their "
        "content is emptied (it can hold an email), the fact that they came stays for tax law",
        processors=(PAYMENT,),
        owner_columns=(),  # linked through the orders' payment references
    ),
    PersonalData(
        "table:orders",
        Category.PAYMENTS,
        "What you bought, when, for how much, through which provider",
        "orders.csv",
        OnErasure.PSEUDONYMISE,
        60,
        erasure_steps.move_orders,
        count_rows("orders"),
        reason=TAX_REASON,
        processors=(PAYMENT,),
    ),
    PersonalData(
        "table:plans",
        Category.PAYMENTS,
        "Your subscription plans and their renewals",
        "orders.csv",
        OnErasure.PSEUDONYMISE,
        62,
        erasure_steps.move_plans,
        count_rows("plans"),
        reason=TAX_REASON + " (a plan still running ends, and is canceled at its provider)",
        processors=(PAYMENT,),
    ),
)


def _describe_payloads(s: Settings) -> str:
    return (
        f"The payment providers' messages are emptied {s.payment_payload_retention_days} days after they came "
        "(they can hold a name or an email); the facts tax law needs stay in the orders. A refund still waiting "
        "for its payment keeps its message until it is applied."
    )


def _empty_payloads(c: Container, now: datetime) -> int:
    """One UPDATE, in its own transaction: emptying is idempotent, so a crash before the commit loses nothing."""
    with c.db.uow() as uow:
        emptied = uow.of(PaymentPayloadRepository).empty_before(
            now - timedelta(days=c.settings.payment_payload_retention_days)
        )
        uow.commit()
    return emptied


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
    personal_data=PERSONAL_DATA,
    retention=(RetentionRule("payment_payloads", _describe_payloads, _empty_payloads),),
)
