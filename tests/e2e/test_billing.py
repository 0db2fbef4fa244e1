"""Billing in Chromium: a pack bought with demo payments raises the balance at once; a Stripe checkout on the
local Stripe server, paid on its page, comes back with the webhook's grant and the order shown as paid."""

from __future__ import annotations

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import create_engine, text

from tests.e2e.seed import sign_in_by_cookie
from tests.e2e.server import RunningServer
from tests.e2e.still import settle
from tests.stripe_server import StripeServer

PHONE = {"width": 390, "height": 844}
BLOCKING = ("serious", "critical")
BACKGROUNDS = {"light": "rgb(251, 250, 247)", "dark": "rgb(17, 19, 23)"}


def sign_in_to_billing(page: Page, atelier: RunningServer, email: str) -> None:
    """A new account on the Billing page, signed in by cookie (the sign-in form has tests of its own)."""
    sign_in_by_cookie(page.context, atelier, email)
    page.goto("/billing")
    expect(page.get_by_role("heading", name="Billing", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="20 credits")).to_be_visible()


def orders_of(server: RunningServer, email: str) -> list[tuple[str, int, str]]:
    """The user's orders in the server's database: (what, credits, status), oldest first."""
    engine = create_engine(server.database_url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT o.offer_name, o.credits, o.status FROM orders o JOIN users u ON u.id = o.user_id "
                "WHERE u.email = :email ORDER BY o.id"
            ),
            {"email": email},
        ).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def test_buying_a_pack_with_demo_payments_raises_the_balance(page: Page, atelier: RunningServer) -> None:
    page.set_viewport_size(PHONE)
    sign_in_to_billing(page, atelier, "demo-buyer@example.com")
    expect(page.get_by_text("Demo payments: no money moves.")).to_be_visible()
    page.get_by_role("button", name="Buy · $5.00").dblclick()  # an impatient double click buys once
    expect(page.get_by_text("Payment received for Starter pack: 1,000 credits added.")).to_be_visible()
    settle(page)  # the runs of both clicks are over: a second purchase would be in the database by now
    assert orders_of(atelier, "demo-buyer@example.com") == [("Starter pack", 1000, "paid")]
    expect(page.get_by_role("link", name="1,020 credits")).to_be_visible()
    # On a phone the order is a card: what it brought, its status, and its receipt one tap away.
    card = page.get_by_role("listitem").filter(has_text="Starter pack")
    expect(card.get_by_text("Paid", exact=False).first).to_be_visible()
    expect(card.get_by_role("link", name="View receipt")).to_be_visible()


def test_a_stripe_checkout_paid_on_stripes_page_comes_back_paid(
    page: Page, atelier: RunningServer, stripe_server: StripeServer
) -> None:
    stripe_server.reset()
    stripe_server.webhook_url = f"{atelier.url}/api/webhooks/stripe"
    try:
        sign_in_to_billing(page, atelier, "stripe-buyer@example.com")
        page.get_by_test_id("stButtonGroup").get_by_text("Stripe", exact=True).click()
        page.get_by_role("button", name="Buy · $10.00").click()
        expect(page).to_have_title("Test checkout", timeout=20_000)  # the browser went to Stripe's page by itself
        page.get_by_role("button", name="Pay").click()
        expect(page.get_by_text("Payment received for Creator pack: 2,500 credits added.")).to_be_visible()
        expect(page.get_by_role("link", name="2,520 credits")).to_be_visible()
        assert "checkout=" not in page.url  # the return parameters are tidied away
        orders = page.get_by_test_id("stDataFrame")
        expect(orders).to_contain_text("Creator pack")
        assert [status for _, kind, status in stripe_server.deliveries if kind == "checkout.session.completed"] == [200]
        session = stripe_server.sessions()[0]
        assert session["status"] == "complete" and re.fullmatch(r"[0-9a-f]{16}", session["client_reference_id"])
    finally:
        stripe_server.webhook_url = None


def test_the_billing_page_and_a_receipt_pass_axe(browser: Browser, atelier: RunningServer) -> None:
    """Each page checked in light and in dark: loaded once, the app follows the system's theme at once."""
    context = browser.new_context(base_url=atelier.url, viewport={"width": 1366, "height": 900}, color_scheme="light")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        sign_in_to_billing(page, atelier, "axe@example.com")
        page.get_by_role("button", name="Subscribe · $10.00 a month").click()
        expect(page.get_by_text("Renews on")).to_be_visible()
        _check_both_themes(page, "Billing")
        page.get_by_role("button", name="View receipt").click()
        expect(page.get_by_role("button", name="Download receipt (HTML)")).to_be_visible()
        expect(page.get_by_text("Monthly plan (one month)")).to_be_visible()
        _check_both_themes(page, "a receipt")
    finally:
        context.close()


def _check_both_themes(page: Page, where: str) -> None:
    for scheme, background in BACKGROUNDS.items():
        page.emulate_media(color_scheme=scheme)
        expect(page.get_by_test_id("stApp")).to_have_css("background-color", background)
        _check(page, f"{where} ({scheme})")


def _check(page: Page, where: str) -> None:
    settle(page)
    results = Axe().run(page, options={"resultTypes": ["violations"]})
    blocking = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:4]}"
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]
    assert not blocking, f"axe on {where}: {blocking}"
