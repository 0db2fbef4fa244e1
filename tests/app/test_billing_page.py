"""The Billing page through AppTest: demo purchases, plans, returns from a checkout (never trusted), receipts,
and the Generate page sending a short or negative balance to Billing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from core.bootstrap import Container, app_container
from core.domain.billing import EventKind, OrderStatus, PaymentEvent
from tests.billing_support import apply, only_order, pending_order
from tests.factories import refreshed
from tests.payment_support import payment_settings
from tests.stripe_server import StripeServer

ALICE = "alice@example.com"


def billing(open_app: Callable[..., AppTest], email: str = ALICE, **params: str) -> AppTest:
    at = open_app(email)
    at.query_params.update(params)
    return at.switch_page("pages/billing.py").run()


def press(at: AppTest, label_start: str) -> AppTest:
    next(b for b in at.button if b.label.startswith(label_start)).click()
    return at.run()


def text(at: AppTest) -> str:
    parts = [
        str(e.value) for kind in ("markdown", "success", "error", "warning", "info", "caption") for e in at.get(kind)
    ]
    return "\n".join(parts + [str(m.value) for m in at.metric])


def user_of(c: Container, email: str = ALICE):  # type: ignore[no-untyped-def]
    return c.accounts.sign_in_local(email).user


def test_buying_a_pack_with_demo_payments_adds_its_credits_at_once(open_app, app_settings: Container) -> None:  # type: ignore[no-untyped-def]
    at = billing(open_app)
    assert "Demo payments: no money moves." in at.warning[0].value
    assert at.metric[0].value == "20 credits"
    at = press(at, "Buy · $5.00")
    assert not at.exception
    assert (
        "Payment received for Starter pack: 1,000 credits added. Your balance is 1,020 credits." in at.success[0].value
    )
    assert at.metric[0].value == "1,020 credits"
    orders = at.dataframe[0].value
    assert list(orders["Item"]) == ["Starter pack"] and list(orders["Status"]) == ["Paid"]
    assert list(orders["Credits"]) == ["+1,000"]
    assert orders["Receipt"][0].endswith(
        f"/billing?receipt={only_order(app_settings, user_of(app_settings)).public_id}"
    )


def test_a_plan_shows_its_renewal_and_cancelling_says_what_happens(open_app) -> None:  # type: ignore[no-untyped-def]
    at = press(billing(open_app), "Subscribe · $10.00 a month")
    assert "first month of Monthly plan: 3,000 credits added" in at.success[0].value
    assert "Renews on" in text(at)
    assert not [b for b in at.button if b.label.startswith("Subscribe")]  # one plan at a time
    at = press(at, "Cancel my plan")
    assert "no further payments are taken and no further credits are added" in at.success[0].value
    assert "Canceled: it ends on" in text(at)
    assert at.metric[0].value == "3,020 credits"  # the month paid stays


def test_a_return_url_is_never_proof_of_payment(open_app, app_settings: Container) -> None:  # type: ignore[no-untyped-def]
    user = user_of(app_settings)
    at = billing(open_app, **{"return": "stripe", "checkout": "cs_test_forged"})
    assert "not available here" in at.error[0].value
    order = pending_order(app_settings, user, "demo", checkout="demo_somebody_else")
    at = billing(open_app, **{"return": "demo", "checkout": "demo_not_ours"})
    assert "could not find that checkout" in at.error[0].value
    assert refreshed(app_settings, user).balance == 20
    assert only_order(app_settings, user).status == OrderStatus.PENDING
    assert "return" not in at.query_params  # the URL is tidied, so a reload does not ask again
    assert order


def test_a_canceled_checkout_says_so_and_changes_nothing(open_app, app_settings: Container) -> None:  # type: ignore[no-untyped-def]
    user = user_of(app_settings)
    order = pending_order(app_settings, user, "demo", checkout="demo_x")
    at = billing(open_app, **{"return": "demo", "order": order, "canceled": "1"})
    assert "Checkout canceled. Nothing was charged and your balance is unchanged." in at.success[0].value
    assert at.metric[0].value == "20 credits"
    assert list(at.dataframe[0].value["Status"]) == ["Canceled"]


def test_a_receipt_shows_the_order_and_downloads_as_html_for_its_owner_only(open_app, app_settings: Container) -> None:  # type: ignore[no-untyped-def]
    user = user_of(app_settings)
    app_settings.billing.buy(user, "pack-creator", "demo", "http://localhost:8501")
    order = only_order(app_settings, user)
    at = billing(open_app, receipt=order.public_id)
    facts = {str(k): str(v) for k, v in at.table[0].value.iloc[:, 0].items()}
    assert facts["Order"] == order.public_id.upper()
    assert (facts["Item"], facts["Amount"], facts["Credits"], facts["Status"]) == (
        "Creator pack",
        "$10.00",
        "2,500",
        "Paid",
    )
    assert at.get("download_button")[0].proto.label == "Download receipt (HTML)"
    stranger = billing(open_app, "mallory@example.com", receipt=order.public_id)
    assert "That receipt does not exist." in stranger.error[0].value
    assert not stranger.table


def test_a_negative_balance_is_explained_and_generating_waits_for_a_purchase(open_app, app_settings: Container) -> None:  # type: ignore[no-untyped-def]
    user = user_of(app_settings)
    order = pending_order(app_settings, user, "demo", checkout="demo_neg")
    apply(app_settings, PaymentEvent("demo", EventKind.PAID, "e1", order=order, grant="demo_neg", payment="demo_neg"))
    with app_settings.db.uow() as uow:  # a job spends it all
        from core.services import ledger

        ledger.hold(uow, user.id, 1020, "spend-all", "a job")
        ledger.settle(uow, user.id, "spend-all", 1020, 1020, "a job")
        uow.commit()
    apply(app_settings, PaymentEvent("demo", EventKind.REFUNDED, "e2", payment="demo_neg", refunded=500))
    assert refreshed(app_settings, user).balance == -1000
    at = billing(open_app)
    assert "below zero because a payment was refunded or disputed" in at.error[0].value
    at = open_app(ALICE)  # the Generate page
    button = next(b for b in at.button if b.label.startswith("Generate"))
    assert button.disabled
    assert "a refunded or disputed payment took back credits" in text(at)


def test_the_generate_page_links_to_billing_when_the_balance_is_short(open_app, app_settings: Container) -> None:  # type: ignore[no-untyped-def]
    user = user_of(app_settings)
    with app_settings.db.uow() as uow:
        from core.services import ledger

        ledger.hold(uow, user.id, 20, "spend-all", "a job")
        ledger.settle(uow, user.id, "spend-all", 20, 20, "a job")
        uow.commit()
    at = open_app(ALICE)
    assert "This needs 1 credit and you have 0 credits." in text(at)
    links = [e for e in at.get("page_link")]
    assert any(link.proto.page == "pages/billing.py" or "billing" in link.proto.page for link in links)


@pytest.fixture
def with_stripe(app_settings: Container, stripe_api: StripeServer, monkeypatch: pytest.MonkeyPatch) -> Container:
    for key, value in payment_settings(stripe_api, None).items():
        monkeypatch.setenv(key.upper(), str(value))
    monkeypatch.setenv("PAYMENT_PROVIDERS", "demo,stripe")
    app_container.cache_clear()
    return app_container()


def test_with_two_providers_the_buyer_chooses_and_is_sent_to_the_checkout(
    open_app, with_stripe: Container, stripe_api: StripeServer
) -> None:  # type: ignore[no-untyped-def]
    at = billing(open_app)
    choice = at.get("button_group")[0]
    assert [o.content for o in choice.proto.options] == ["Demo payments", "Stripe"]
    at.session_state["billing.provider"] = "stripe"
    at = press(at.run(), "Buy · $5.00")
    session = stripe_api.sessions()[0]
    assert "Taking you to the secure checkout" in text(at)
    link = at.get("link_button")[0]
    assert link.proto.url == session["url"]
    assert refreshed(with_stripe, user_of(with_stripe)).balance == 20  # nothing until Stripe says it is paid
    stripe_api.complete(session["id"])  # paid; no webhook reaches this test
    at = billing(open_app, **{"return": "stripe", "checkout": session["id"]})
    assert "1,000 credits added" in at.success[0].value
    assert at.metric[0].value == "1,020 credits"
