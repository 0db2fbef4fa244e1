"""Every field of every event type the app handles, with all twelve classes of hostile value, through the
provider's own reader (no database needed there): a value that is not legitimately valid is refused in our
words, without the hostile text, and a valid one reads as an event. The same fields go through the webhook
route on SQLite and PostgreSQL in integration/test_provider_event_fields.py, with the values that matter there."""

from __future__ import annotations

import json
import logging

import pytest

from core.adapters import creem_events, stripe_events
from core.domain import Role, UserView
from core.errors import MalformedEventError
from tests.integration.provider_event_cases import Scene, hostile_values, mutate
from tests.integration.provider_event_payloads import ALL_CASES, EventCase

READERS = {"stripe": stripe_events.parse_event, "creem": creem_events.parse_event}
SCENE = Scene(UserView(7, "buyer7@example.com", "", Role.USER, 0), "0123456789abcdef", 7)


def body(provider: str, event: dict[str, object]) -> bytes:
    """The bytes the provider would sign (as tests/integration/provider_event_cases.signed writes them)."""
    if provider == "stripe":
        return json.dumps(event, indent=2).encode()
    return json.dumps(event, separators=(",", ":")).encode()


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda case: case.name.replace(" ", "-"))
def test_every_field_with_every_hostile_value_is_refused_in_our_words_or_read(
    case: EventCase, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    read = READERS[case.provider]
    read(body(case.provider, case.event(SCENE, "evt_control")))  # the untouched event reads
    problems: list[str] = []
    for field in case.fields:
        for hostile in hostile_values(field.kind):
            where = f"{field.path} = {hostile.name}"
            raw = body(case.provider, mutate(case.event(SCENE, "evt_000001x"), field.path, hostile.value))
            try:
                read(raw)
            except MalformedEventError as refusal:
                if field.effect(hostile) != "reject":
                    problems.append(f"{where}: refused ({refusal.reason}), but it is valid")
                said = " ".join((refusal.reason, refusal.event_id, refusal.type, str(refusal)))
                if hostile.marker is not None and hostile.marker in said:
                    problems.append(f"{where}: the refusal quotes the hostile text")
            else:
                if field.effect(hostile) == "reject":
                    problems.append(f"{where}: read as an event, but it must be refused")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    leaked = [h.name for f in case.fields for h in hostile_values(f.kind) if h.marker and h.marker in logged]
    assert problems == [] and leaked == []
