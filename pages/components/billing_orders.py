"""The Billing page's orders table, the receipt of one order, and what the page says on coming back from a checkout."""

from __future__ import annotations

from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from core.bootstrap import app_container
from core.domain import UserView
from core.domain.billing import OrderView, format_money
from core.domain.url_params import CANCELED, CHECKOUT, CHECKOUT_ID, ORDER, RECEIPT, RETURN
from core.errors import AtelierError, NotFoundError
from core.services.receipts import receipt_html
from pages.components.cards import Card, table_or_cards, wide_only
from pages.components.media import absolute_url
from pages.components.paging import current_cursor, pager

OUTCOME_KEY = "billing.outcome"
ORDERS_LABEL = "Your orders, newest first"
# What a checkout's return brings: ours, then those a provider adds that are never read.
RETURN_PARAMS = (
    *(p.name for p in (RETURN, ORDER, CHECKOUT, CHECKOUT_ID, CANCELED)),
    "order_id",
    "customer_id",
    "subscription_id",
    "product_id",
    "request_id",
    "signature",
)


def handle_return(user: UserView) -> None:
    """Back from a checkout: ask the provider (never trusting the URL), say what happened, tidy the URL."""
    params = st.query_params
    if RETURN.name in params:
        billing = app_container().billing
        try:
            if CANCELED.read(params):
                outcome = billing.checkout_canceled(user, ORDER.read(params) or "")
            else:
                checkout = CHECKOUT.read(params) or CHECKOUT_ID.read(params) or ""
                outcome = billing.confirm_return(user, RETURN.read(params) or "", checkout)
            st.session_state[OUTCOME_KEY] = (outcome.ok, outcome.message)
        except AtelierError as exc:
            st.session_state[OUTCOME_KEY] = (False, str(exc))
        for name in RETURN_PARAMS:
            params.pop(name, None)
    if found := st.session_state.pop(OUTCOME_KEY, None):
        ok, message = found
        if ok:
            st.success(message, icon=":material/check_circle:")
        else:
            st.error(message, icon=":material/error:")


def orders(user: UserView) -> None:
    billing = app_container().billing
    st.subheader("Orders")
    page = billing.orders(user, current_cursor("orders"))
    if not page.items:
        st.caption("No orders yet. What you buy appears here, each with its receipt.")
        return
    rows = page.items
    table_or_cards("orders", lambda: _orders_table(rows), [_order_card(o) for o in rows], ORDERS_LABEL)
    if page.total > billing.page_size:
        pager("orders", page.next_cursor, page.total, billing.page_size)
    with wide_only("orders-receipt"):  # a phone's cards link their receipts
        _receipt_picker(rows)


def _receipt_url(order: OrderView) -> str:
    return absolute_url(f"/billing?{urlencode(RECEIPT.write(order.public_id))}")


def _orders_table(rows: list[OrderView]) -> None:
    table = pd.DataFrame(
        {
            "Time (UTC)": [o.created_at for o in rows],
            "Item": [o.offer_name for o in rows],
            "Amount": [o.price for o in rows],
            "Paid with": [o.provider_label for o in rows],
            "Status": [o.status_label for o in rows],
            "Credits": [_credits(o) for o in rows],
            "Receipt": [_receipt_url(o) for o in rows],
        }
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height="content",
        alt=ORDERS_LABEL,
        column_config={
            "Time (UTC)": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
            "Credits": st.column_config.TextColumn(help="Credits added, and any taken back by a refund or dispute."),
            "Receipt": st.column_config.LinkColumn(display_text="View receipt"),
        },
    )


def _order_card(order: OrderView) -> Card:
    """What a person checks first: did it go through, what did it bring, what did it cost; then the receipt."""
    return Card(
        headline=order.status_label,
        lead=f"Credits {_credits(order)}" if order.credits_granted else "",
        fields=(
            ("Amount", order.price),
            ("Item", order.offer_name),
            ("When", f"{order.created_at:%Y-%m-%d %H:%M} UTC"),
            ("Paid with", order.provider_label),
        ),
        links=(("View receipt", _receipt_url(order)),),
    )


def _receipt_picker(rows: list[OrderView]) -> None:
    """The receipts, reachable without the table: a table cell's link is not a keyboard stop."""
    with st.container(horizontal=True, vertical_alignment="bottom", gap="small"):
        chosen = st.selectbox(
            "Receipt for",
            rows,
            format_func=lambda o: f"{o.created_at:%Y-%m-%d %H:%M} · {o.offer_name} · {o.price} · {o.status_label}",
            key="billing.receipt_for",
            width=420,
        )
        if st.button("View receipt", icon=":material/receipt_long:", key="billing.view_receipt") and chosen:
            st.query_params.update(RECEIPT.write(chosen.public_id))
            st.rerun()


def receipt(user: UserView, public_id: str) -> None:
    """One order's receipt, with a download; an order of someone else's is simply not found."""
    try:
        found = app_container().billing.receipt(user, public_id)
    except NotFoundError:
        st.error("That receipt does not exist.", icon=":material/error:")
        _back()
        return
    order = found.order
    st.subheader(f"Receipt {order.public_id.upper()}")
    st.table(dict(found.lines))
    st.download_button(
        "Download receipt (HTML)",
        receipt_html(found),
        file_name=f"atelier-receipt-{order.public_id}.html",
        mime="text/html",
        icon=":material/download:",
        on_click="ignore",
    )
    st.caption("Open the downloaded file in a browser to print it or save it as a PDF.")
    _back()


def _back() -> None:
    if st.button("Back to billing", icon=":material/arrow_back:"):
        st.query_params.pop(RECEIPT.name, None)
        st.rerun()


def _credits(order: OrderView) -> str:
    if not order.credits_granted:
        return "—"
    text = f"+{order.credits_granted:,}"
    if order.credits_clawed_back:
        text += f" (−{order.credits_clawed_back:,} taken back)"
    if order.amount_refunded:
        text += f" · {format_money(order.amount_refunded, order.currency)} refunded"
    return text
