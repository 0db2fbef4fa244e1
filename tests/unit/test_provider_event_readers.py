"""Reading provider events, without a database: PaymentEvent keeps its own rules whoever makes it, and any mutation
of a signed Stripe or Creem event becomes either a sound PaymentEvent or a refusal in our words: never another
exception, and never the payload's text in the refusal or the log."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.adapters.creem_payments import CreemPayments
from core.adapters.stripe_payments import StripePayments
from core.domain.billing import EventKind, PaymentEvent, is_event_type, is_safe_id
from core.errors import InvalidPaymentEventError, MalformedEventError
from tests.integration.provider_event_cases import Scene, signed
from tests.integration.provider_event_payloads import ALL_CASES, EventCase

STRIPE_SECRET, CREEM_SECRET = "whsec_unit", "creem_whsec_unit"
ADAPTERS = {
    "stripe": StripePayments("sk_test_unit", STRIPE_SECRET, api_base="http://127.0.0.1:9"),
    "creem": CreemPayments("creem_test_unit", CREEM_SECRET, api_base="http://127.0.0.1:9"),
}
SECRETS = {"stripe": STRIPE_SECRET, "creem": CREEM_SECRET}
MARK = "@hostile.example"  # every generated text carries it: no safe id can, so none may come back
OUR_WORDS = re.compile(r"[A-Za-z0-9_.\[\] ,():-]{1,200}")


# -- PaymentEvent's own rules ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("amount", -500),
        ("amount", 10**12),
        ("amount", True),
        ("amount", 5.0),
        ("refunded", -1),
        ("refunded", "500"),
        ("payment", "alice@example.com"),
        ("payment", "pi_1\x00"),
        ("payment", "p" * 121),
        ("event_id", "evt 1"),
        ("order", 7),
        ("currency", "US Dollar"),
        ("currency", "USD"),
        ("dispute_won", 1),
        ("period_end", datetime(9999, 12, 31, tzinfo=UTC)),
        ("period_end", 1_900_000_000),
        ("type", "Checkout\nCompleted"),
        ("grant", ""),
    ],
)
def test_a_payment_event_with_an_unsafe_value_is_refused_by_field_never_quoting_the_value(
    name: str, value: Any
) -> None:
    fields: dict[str, Any] = {"event_id": "evt_1", "grant": "cs_1", "payment": "pi_1", "amount": 500, "currency": "usd"}
    with pytest.raises(InvalidPaymentEventError) as refused:
        PaymentEvent("stripe", EventKind.PAID, **(fields | {name: value}))
    assert str(refused.value).startswith(f"PaymentEvent.{name} ")
    assert not isinstance(value, str) or not value or value not in str(refused.value)


# -- any mutation of a signed event ---------------------------------------------------------------------------------

hostile_text = st.text(max_size=30).map(lambda t: t + MARK)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | hostile_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text, inner, max_size=3),
    max_leaves=6,
)


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document, parents before their children."""
    found: list[tuple[Any, ...]] = [prefix] if prefix else []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, child in items:
        found.extend(paths(child, (*prefix, key)))
    return found


def mutated(document: dict[str, Any], path: tuple[Any, ...], value: Any, remove: bool) -> dict[str, Any]:
    copy = json.loads(json.dumps(document))
    node = copy
    for key in path[:-1]:
        node = node[key]
    if remove:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return copy


@st.composite
def mutations(draw: st.DrawFn) -> tuple[EventCase, dict[str, Any]]:
    case = draw(st.sampled_from(ALL_CASES))
    event = case.event(Scene(user=None, order="0123456789abcdef", n=7), "evt_0000007x")  # type: ignore[arg-type]
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths(event)))
        event = mutated(event, path, draw(json_values), remove=draw(st.booleans()))
    return case, event


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=mutations())
def test_any_mutation_of_a_signed_event_is_read_soundly_or_refused_in_our_words(
    drawn: tuple[EventCase, dict[str, Any]], caplog: pytest.LogCaptureFixture
) -> None:
    case, event = drawn
    caplog.clear()
    caplog.set_level(logging.DEBUG)
    body, headers = signed(case.provider, SECRETS[case.provider], event)
    try:
        read = ADAPTERS[case.provider].parse_webhook(body, {k.lower(): v for k, v in headers.items()})
    except MalformedEventError as refused:
        assert OUR_WORDS.fullmatch(refused.reason), refused.reason
        assert refused.event_id == "" or is_safe_id(refused.event_id)
        assert refused.type == "" or is_event_type(refused.type)
        assert refused.key and MARK not in refused.key
    else:
        assert read.provider == case.provider and MARK not in repr(read)
        assert 0 <= read.amount <= 10**9 and 0 <= read.refunded <= 10**9
    assert MARK not in caplog.text


def test_a_refusal_names_our_fields_only_never_a_key_or_value_from_the_payload() -> None:
    event = {"id": "evt_1", "type": "charge.refunded", "data": {"object": {"id": "ch_1", "amount_refunded": -5}}}
    event["data"]["object"]["x" + MARK] = {"y" + MARK: "z" + MARK}  # type: ignore[index]
    body, headers = signed("stripe", STRIPE_SECRET, event)
    with pytest.raises(MalformedEventError) as refused:
        ADAPTERS["stripe"].parse_webhook(body, {k.lower(): v for k, v in headers.items()})
    assert refused.value.reason == "data.object.amount_refunded must be at least 0"
    assert (refused.value.event_id, refused.value.type, refused.value.key) == ("evt_1", "charge.refunded", "evt_1")
