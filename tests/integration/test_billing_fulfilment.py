"""The one fulfilment function, on SQLite and PostgreSQL: grants once, claws back in proportion, any order.

Events here are what the adapters produce (PaymentEvent); the adapters' own reading of Stripe and
Creem is tested against the local servers in test_billing_stripe.py and test_billing_creem.py.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from functools import partial
from typing import NamedTuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.bootstrap import Container
from core.domain import UserView
from core.domain.billing import EventKind, OrderStatus, PaymentEvent
from core.errors import ValidationError
from core.services import ledger
from tests.billing_support import apply, assert_billing_balances, order_row, pending_order
from tests.factories import refreshed, sign_up
from tests.races import at_once

STARTER = 20  # the test settings' starter credits
PACK_CREDITS, PACK_AMOUNT = 1000, 500  # pack-starter in assets/billing.toml
_emails = itertools.count()


class Case(NamedTuple):
    c: Container
    user: UserView
    order: str  # a pending Stripe order, checkout "cs_1"


@pytest.fixture
def case(database_url: str, containers: Callable[..., Container]) -> Case:
    c = containers(database_url)
    user = sign_up(c)
    return Case(c, user, pending_order(c, user, "stripe", checkout="cs_1"))


def paid(order: str, event_id: str = "", grant: str = "cs_1", payment: str = "pi_1") -> PaymentEvent:
    return PaymentEvent(
        "stripe",
        EventKind.PAID,
        event_id,
        order=order,
        checkout=grant,
        grant=grant,
        payment=payment,
        amount=PACK_AMOUNT,
        currency="usd",
        type="checkout.session.completed",
    )


def refund(total: int, event_id: str, payment: str = "pi_1") -> PaymentEvent:
    return PaymentEvent("stripe", EventKind.REFUNDED, event_id, payment=payment, refunded=total, type="charge.refunded")


def dispute(event_id: str, *, closed: bool = False, won: bool = False, payment: str = "pi_1") -> PaymentEvent:
    kind = EventKind.DISPUTE_CLOSED if closed else EventKind.DISPUTE_OPENED
    return PaymentEvent(
        "stripe",
        kind,
        event_id,
        payment=payment,
        dispute="dp_1",
        amount=PACK_AMOUNT,
        dispute_won=won,
        type="charge.dispute",
    )


def test_one_event_replayed_ten_times_grants_once(case: Case) -> None:
    c, user, order = case
    outcomes = [apply(c, paid(order, "evt_1")) for _ in range(10)]
    assert outcomes == ["applied"] + ["duplicate"] * 9
    assert refreshed(c, user).balance == STARTER + PACK_CREDITS
    assert_billing_balances(c, user)


def test_one_payment_reported_by_two_events_and_by_the_return_page_grants_once(case: Case) -> None:
    c, user, order = case
    apply(c, paid(order, "evt_completed"))
    apply(c, paid(order, "evt_async_succeeded"))
    apply(c, paid(order))  # the return page: no event id, asked from the server
    assert refreshed(c, user).balance == STARTER + PACK_CREDITS
    assert order_row(c, order).status == OrderStatus.PAID
    assert_billing_balances(c, user)


def test_a_partial_then_a_full_refund_claws_back_in_proportion(case: Case) -> None:
    c, user, order = case
    apply(c, paid(order, "evt_1"))
    apply(c, refund(125, "evt_2"))  # a quarter of $5.00
    assert refreshed(c, user).balance == STARTER + PACK_CREDITS - 250
    assert order_row(c, order).status == OrderStatus.PARTLY_REFUNDED
    apply(c, refund(125, "evt_2b"))  # the same cumulative amount again, as a new event: nothing more
    apply(c, refund(PACK_AMOUNT, "evt_3"))
    assert refreshed(c, user).balance == STARTER
    row = order_row(c, order)
    assert (row.status, row.credits_clawed_back) == (OrderStatus.REFUNDED, PACK_CREDITS)
    assert_billing_balances(c, user)


def test_a_refund_of_spent_credits_takes_the_balance_below_zero_and_blocks_generating(case: Case) -> None:
    c, user, order = case
    apply(c, paid(order, "evt_1"))
    with c.db.uow() as uow:  # a job spends most of it
        ledger.hold(uow, user.id, 900, "job-that-spent-it", "a test job")
        ledger.settle(uow, user.id, "job-that-spent-it", 900, 900, "a test job")
        uow.commit()
    apply(c, refund(PACK_AMOUNT, "evt_2"))
    balance = refreshed(c, user).balance
    assert balance == STARTER + PACK_CREDITS - 900 - PACK_CREDITS < 0
    assert c.credits.shortfall(5, 1) == ""
    assert "refunded or disputed" in c.credits.shortfall(balance, 1)
    assert c.credits.shortfall(0, 0) != ""  # nothing starts at zero
    with c.db.uow() as uow:  # and no hold can be taken
        assert not uow.users.debit_if_covered(user.id, 1)
    assert_billing_balances(c, user)


def test_a_dispute_lost_keeps_the_clawback_and_a_dispute_won_gives_it_back(
    database_url: str, containers: Callable[..., Container]
) -> None:
    c = containers(database_url)
    lost_user, won_user = sign_up(c, "lost@example.com"), sign_up(c, "won@example.com")
    lost = pending_order(c, lost_user, "stripe", checkout="cs_lost")
    won = pending_order(c, won_user, "stripe", checkout="cs_won")
    apply(c, paid(lost, "evt_l1", grant="cs_lost", payment="pi_lost"))
    apply(c, paid(won, "evt_w1", grant="cs_won", payment="pi_won"))
    apply(c, dispute("evt_l2", payment="pi_lost"))
    apply(c, dispute("evt_w2", payment="pi_won"))
    assert refreshed(c, lost_user).balance == refreshed(c, won_user).balance == STARTER
    assert order_row(c, won).status == OrderStatus.DISPUTED
    apply(c, dispute("evt_l3", closed=True, won=False, payment="pi_lost"))
    apply(c, dispute("evt_w3", closed=True, won=True, payment="pi_won"))
    assert refreshed(c, lost_user).balance == STARTER
    assert refreshed(c, won_user).balance == STARTER + PACK_CREDITS
    assert order_row(c, won).status == OrderStatus.PAID
    assert order_row(c, lost).status == OrderStatus.DISPUTED
    for user in (lost_user, won_user):
        assert_billing_balances(c, user)
    kinds = [r.kind for r in c.credits.statement(won_user).items]
    assert kinds[:3] == ["Reinstate", "Clawback", "Purchase"]


def test_a_refund_that_arrives_before_its_payment_waits_and_then_ends_right(case: Case) -> None:
    c, user, order = case
    assert apply(c, refund(PACK_AMOUNT, "evt_refund")) == "waiting"
    assert refreshed(c, user).balance == STARTER
    apply(c, paid(order, "evt_paid"))
    assert refreshed(c, user).balance == STARTER  # granted, then the waiting refund took it all back
    assert order_row(c, order).status == OrderStatus.REFUNDED
    assert apply(c, refund(PACK_AMOUNT, "evt_refund")) == "duplicate"
    assert_billing_balances(c, user)


def test_the_return_page_and_the_webhook_racing_grant_once(case: Case) -> None:
    c, user, order = case
    events = [paid(order, "evt_a"), paid(order, "evt_b"), paid(order), paid(order, "evt_a")]
    at_once(*(partial(apply, c, event) for event in events))
    assert refreshed(c, user).balance == STARTER + PACK_CREDITS
    assert_billing_balances(c, user)


def test_an_event_for_an_order_of_another_provider_or_nobody_changes_nothing(
    database_url: str, containers: Callable[..., Container]
) -> None:
    c = containers(database_url)
    user = sign_up(c)
    order = pending_order(c, user, "creem", checkout="ch_1")
    assert apply(c, paid(order, "evt_1")) == "ignored"  # a Stripe event cannot pay a Creem order
    assert apply(c, paid("0000000000000000", "evt_2")) == "ignored"
    assert refreshed(c, user).balance == STARTER
    assert_billing_balances(c, user)


# -- the invariants as properties: any mix, order and repetition of one payment's events --------------------------

EVENTS = st.lists(
    st.one_of(
        st.just(("paid",)),
        st.tuples(st.just("refund"), st.integers(1, PACK_AMOUNT)),
        st.tuples(st.just("dispute"), st.booleans(), st.booleans()),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=EVENTS, replay=st.booleans())
def test_any_sequence_of_a_payments_events_keeps_the_books_right(
    database_url: str, containers: Callable[..., Container], script: list[tuple[object, ...]], replay: bool
) -> None:
    c = _shared(containers, database_url)
    user = sign_up(c, f"prop{next(_emails)}@example.com")
    order = pending_order(c, user, "stripe", checkout=f"cs_{user.id}")
    pi = f"pi_{user.id}"
    refunded, dispute_state, was_paid = 0, "", False
    for n, step in enumerate(script):
        event_id = f"evt_{user.id}_{n}"
        if step[0] == "paid":
            event, was_paid = paid(order, event_id, grant=f"cs_{user.id}", payment=pi), True
        elif step[0] == "refund":
            refunded = max(refunded, min(PACK_AMOUNT, int(step[1])))  # type: ignore[call-overload]
            event = refund(refunded, event_id, payment=pi)
        else:
            closed, won = bool(step[1]), bool(step[2])
            if dispute_state in ("won", "lost"):
                continue  # a closed dispute stays closed
            dispute_state = ("won" if won else "lost") if closed else "open"
            event = dispute(event_id, closed=closed, won=won, payment=pi)
        apply(c, event)
        if replay:
            assert apply(c, event) == "duplicate"
        assert_billing_balances(c, user)
    row = order_row(c, order)
    returned = min(PACK_AMOUNT, refunded + (PACK_AMOUNT if dispute_state in ("open", "lost") else 0))
    expected = PACK_CREDITS - -(-PACK_CREDITS * returned // PACK_AMOUNT) if was_paid else 0
    assert refreshed(c, user).balance == STARTER + expected
    assert row.credits_granted == (PACK_CREDITS if was_paid else 0)


_shared_containers: dict[str, Container] = {}


def _shared(containers: Callable[..., Container], database_url: str) -> Container:
    """One container per database for all of a property's examples (each example has its own user)."""
    if database_url not in _shared_containers:
        _shared_containers.clear()
        _shared_containers[database_url] = containers(database_url)
    return _shared_containers[database_url]


def test_one_purchase_token_makes_one_order_whatever_the_reruns(
    database_url: str, containers: Callable[..., Container]
) -> None:
    c = containers(database_url)
    user, other = sign_up(c), sign_up(c, "other@example.com")
    token = c.billing.new_token()
    first = c.billing.buy(user, "pack-starter", "demo", "http://localhost:8501", token)
    again = c.billing.buy(user, "pack-starter", "demo", "http://localhost:8501", token)
    assert first.message == again.message and "1,000 credits added" in again.message
    assert len(c.billing.orders(user).items) == 1
    assert refreshed(c, user).balance == STARTER + PACK_CREDITS
    with pytest.raises(ValidationError, match="expired"):
        c.billing.buy(other, "pack-starter", "demo", "http://localhost:8501", token)  # someone else's token
    with pytest.raises(ValidationError, match="expired"):
        c.billing.buy(user, "pack-starter", "demo", "http://localhost:8501", "not-a-token")
    assert refreshed(c, other).balance == STARTER
    assert_billing_balances(c, user)


def test_two_clicks_with_one_token_at_the_same_moment_make_one_order(
    database_url: str, containers: Callable[..., Container]
) -> None:
    c = containers(database_url)
    user = sign_up(c)
    token = c.billing.new_token()
    at_once(*[lambda: c.billing.buy(user, "pack-starter", "demo", "http://localhost:8501", token)] * 3)
    assert len(c.billing.orders(user).items) == 1
    assert refreshed(c, user).balance == STARTER + PACK_CREDITS
    assert_billing_balances(c, user)
