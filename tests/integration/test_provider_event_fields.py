"""Every field of every event type the app handles, with hostile values, signed with the providers' real schemes
and posted to the webhook route, on SQLite and PostgreSQL.

After each: a value that is not legitimately valid is answered 400, changes no balance, ledger, order or plan, and
is recorded for admins once (the provider's retry too); a valid one (a zero amount, an optional field left out)
is handled as it should be; and no log record, nor the admin record, holds the hostile text. The cases and what
each field accepts are in provider_event_payloads.py.

All twelve classes of hostile value meet every field at the provider's reader (unit/test_provider_event_matrix.py).
Here, every value a field accepts goes through the database, and of those it refuses, the four whose harm would
show there: a negative amount (the probe's dispute that added credits), a huge number (past the columns' range), an
email (text that must not reach the log or the admin record) and a NUL (which PostgreSQL refuses with the SQL).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from core.bootstrap import Container
from tests.billing_support import assert_billing_balances
from tests.creem_server import CreemServer
from tests.integration.provider_event_cases import (
    Hostile,
    all_logged,
    hostile_values,
    log_everything,
    mutate,
    rejections,
    signed,
    snapshot,
    stage,
)
from tests.integration.provider_event_payloads import ALL_CASES, EventCase
from tests.payment_support import payment_settings, webhook_client
from tests.stripe_server import StripeServer

REFUSED = (400, "Malformed event.")
THROUGH_THE_DATABASE = {"negative", "huge", "email", "nul"}  # of the refused values; see the module's note


@pytest.fixture
def shop(
    database_url: str, containers: Callable[..., Container], stripe_server: StripeServer, creem_server: CreemServer
) -> Container:
    return containers(database_url, **payment_settings(stripe_server, creem_server))


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda case: case.name.replace(" ", "-"))
def test_every_field_with_hostile_values_is_refused_and_recorded_once_or_handled_right(
    case: EventCase,
    shop: Container,
    stripe_server: StripeServer,
    creem_server: CreemServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    log_everything(caplog)
    with webhook_client(shop) as client:  # one event loop for all the posts
        problems = _try_every_field(case, shop, client, stripe_server, creem_server, caplog)
    assert problems == []


def _try_every_field(
    case: EventCase,
    shop: Container,
    client: TestClient,
    stripe_server: StripeServer,
    creem_server: CreemServer,
    caplog: pytest.LogCaptureFixture,
) -> list[str]:
    """Each field's hostile values in turn. Refused values all aim at one buyer, whose books are compared once per
    field (a refusal changes nothing, so one look finds any that did); each accepted value gets its own buyer
    unless it must change nothing either."""
    secret = stripe_server.webhook_secret if case.provider == "stripe" else creem_server.webhook_secret
    numbers = itertools.count(1)

    def post(payload: dict[str, object]) -> tuple[int, str]:
        body, headers = signed(case.provider, secret, payload)
        answer = client.post(f"/api/webhooks/{case.provider}", content=body, headers=headers)
        return answer.status_code, answer.text

    control = stage(shop, case.provider, case.state, next(numbers))
    assert post(case.event(control, "evt_control")) == (200, "applied")
    same = snapshot(shop, control.user)  # what the untouched event does
    target = stage(shop, case.provider, case.state, next(numbers))
    untouched = snapshot(shop, target.user)
    assert untouched != same
    last = max([row for row, _ in rejections(shop)], default=0)
    problems: list[str] = []
    for field in case.fields:
        caplog.clear()
        refused: list[dict[str, object]] = []  # the admin record each refusal must leave, in order
        for hostile in hostile_values(field.kind):
            n, effect = next(numbers), field.effect(hostile)
            if effect == "reject" and hostile.name not in THROUGH_THE_DATABASE:
                continue
            where = f"{field.path} = {hostile.name}"
            if effect != "reject":
                scene = target if effect == "none" else stage(shop, case.provider, case.state, n)
                before = untouched if effect == "none" else snapshot(shop, scene.user)
                answer = post(mutate(case.event(scene, f"evt_{n:06d}x"), field.path, hostile.value))
                after = snapshot(shop, scene.user)
                ok = {
                    "same": answer == (200, "applied") and after == same,
                    "none": answer[0] == 200 and after == before,
                    "accepted": answer == (200, "applied") and after != before,
                }[effect]
                if not ok:
                    problems.append(f"{where}: expected {effect}, got {answer}")
                assert_billing_balances(shop, scene.user)
                continue
            payload = mutate(case.event(target, f"evt_{n:06d}x"), field.path, hostile.value)
            retries = 2 if field.path == "id" or hostile.name == "email" else 1  # a retry is the same event
            answers = [post(payload) for _ in range(retries)]
            if any(a != REFUSED for a in answers):
                problems.append(f"{where}: expected a refusal, got {answers}")
            refused.append(
                {
                    "subject": f"webhook:{case.provider}",
                    "provider": case.provider,
                    "event": "" if field.path == "id" else f"evt_{n:06d}x",
                    "type": "" if field.path in ("type", "eventType") else case.type,
                }
            )
        if snapshot(shop, target.user) != untouched:
            problems.append(f"{field.path}: a refused value changed the buyer's books")
        recorded = rejections(shop, last)
        last = max([row for row, _ in recorded], default=last)
        if [{k: v for k, v in d.items() if k != "reason"} for _, d in recorded] != refused:
            problems.append(f"{field.path}: {len(recorded)} admin records for {len(refused)} refused events")
        if not all(d["reason"] for _, d in recorded):
            problems.append(f"{field.path}: an admin record gives no reason")
        logged, records = all_logged(caplog), [d for _, d in recorded]
        for hostile in hostile_values(field.kind):
            problems.extend(_leaks(f"{field.path} = {hostile.name}", hostile, logged, records))
    return problems


def _leaks(where: str, hostile: Hostile, logged: str, records: list[dict[str, object]]) -> list[str]:
    if hostile.marker is None:
        return []
    found = []
    if hostile.marker in logged:
        found.append(f"{where}: the hostile text reached the log")
    if any(hostile.marker in str(value) for record in records for value in record.values()):
        found.append(f"{where}: the hostile text reached the admin record")
    return found
