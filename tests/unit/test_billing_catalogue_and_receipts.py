"""The billing catalogue is checked at start (a mistake names its entry), and a receipt escapes what it shows."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.billing_catalogue import load_offers
from core.domain.billing import DisputeStatus, OfferKind, OrderStatus, OrderView, Receipt, format_money
from core.errors import ConfigurationError
from core.services.receipts import receipt_html

ROOT = Path(__file__).resolve().parents[2]


def test_the_shipped_catalogue_has_three_packs_and_a_plan() -> None:
    offers = load_offers(ROOT / "assets" / "billing.toml")
    assert [o.kind for o in offers].count(OfferKind.PACK) == 3
    assert [(o.name, o.credits, o.price) for o in offers if o.kind == OfferKind.PLAN] == [
        ("Monthly plan", 3000, "$10.00")
    ]
    assert not any(o.sold_by("creem") for o in offers)  # Creem sells only products made in its dashboard
    assert all(o.sold_by("stripe") and o.sold_by("demo") for o in offers)


@pytest.mark.parametrize(
    ("entry", "complaint"),
    [
        ("credits = 0", "offers[0] (pack-x).credits"),
        ("amount = -5", "offers[0] (pack-x).amount"),
        ('currency = "dollars"', "offers[0] (pack-x).currency"),
        ('stripe_price = "prod_wrong"', "offers[0] (pack-x).stripe_price"),
        ('colour = "red"', "offers[0] (pack-x).colour"),
    ],
)
def test_a_broken_catalogue_entry_stops_the_start_and_is_named(tmp_path: Path, entry: str, complaint: str) -> None:
    fields = {"credits": "100", "amount": "500", "currency": '"usd"'}
    key = entry.split(" = ")[0]
    lines = [f"{k} = {v}" for k, v in fields.items() if k != key] + [entry]
    path = tmp_path / "billing.toml"
    path.write_text('[[offers]]\nid = "pack-x"\nkind = "pack"\nname = "X"\n' + "\n".join(lines) + "\n")
    with pytest.raises(ConfigurationError, match=complaint.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")):
        load_offers(path)


def test_money_is_written_in_its_currency() -> None:
    assert (format_money(500, "usd"), format_money(123456, "eur"), format_money(99, "chf")) == (
        "$5.00",
        "€1,234.56",
        "0.99 CHF",
    )


def test_a_receipt_is_a_standalone_page_that_escapes_every_value() -> None:
    order = OrderView(
        id=1,
        public_id="0123456789abcdef",
        created_at=datetime(2026, 11, 29, 9, 0, tzinfo=UTC),
        offer_name='<script>alert("x")</script> pack',
        kind=OfferKind.PACK,
        amount=500,
        currency="usd",
        provider="stripe",
        status=OrderStatus.PARTLY_REFUNDED,
        credits=1000,
        credits_granted=1000,
        credits_clawed_back=250,
        amount_refunded=125,
        dispute=DisputeStatus.NONE,
        paid_at=datetime(2026, 11, 29, 9, 1, tzinfo=UTC),
        reference="cs_test_1",
    )
    html = receipt_html(Receipt(order, 'Atelier & "Co"', [("Item", order.offer_name), ("Refunded", "$1.25")]))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "Atelier &amp; &quot;Co&quot;" in html
    assert html.startswith("<!doctype html>") and '<html lang="en">' in html
    assert "We store no card details." in html
