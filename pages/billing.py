"""Billing: buy credit packs, subscribe to (or cancel) the monthly plan, see orders and receipts."""

from __future__ import annotations

import streamlit as st

from core.bootstrap import app_container
from core.domain.url_params import RECEIPT
from pages.components import billing_offers, billing_orders
from pages.components.guard import require_user

user = require_user()
container = app_container()
billing = container.billing

st.title("Billing")
if billing.is_demo:
    st.warning(
        "**Demo payments: no money moves.** Every purchase completes at once and adds real credits to this "
        "account, so the whole flow can be tried without a payment provider.",
        icon=":material/science:",
    )
billing_offers.follow_redirect()
billing_orders.handle_return(user)
if public_id := RECEIPT.read(st.query_params):
    billing_orders.receipt(user, public_id)
    st.stop()

balance = container.credits.balance(user)
st.metric("Balance", f"{balance:,} credits")
if balance < 0:
    st.error(
        "Your balance is below zero because a payment was refunded or disputed after its credits were used. "
        "Generating is paused until a purchase brings it above zero.",
        icon=":material/block:",
    )
provider = billing_offers.provider_choice()
billing_offers.packs(user, provider)
billing_offers.plan(user, provider)
billing_orders.orders(user)
