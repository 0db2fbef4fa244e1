"""Reading payment providers' payloads: strict value types, and refusals in our own words, for every provider.

Each provider's reader (stripe_events.py, creem_events.py) declares what it reads as `Payload` models built
from the types here, so a value is an id, an amount, a currency or a time of the right shape before anything
acts on it: ids are bounded and of safe characters, amounts whole numbers from 0 up (never a bool, a float or
text), currencies 3 letters, times within this century. A refusal names the field by our model's own name and
says what is wrong in our words; it never holds the payload's text (a value, or a key we do not know), so it
may be logged and shown to admins.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, StringConstraints, ValidationError

from core.domain.billing import (
    EARLIEST,
    EVENT_TYPE_PATTERN,
    ID_PATTERN,
    LATEST,
    MAX_AMOUNT,
    PaymentEvent,
    is_event_type,
    is_safe_id,
)
from core.errors import InvalidPaymentEventError, MalformedEventError
from core.logs import crash_summary

log = logging.getLogger(__name__)


class Payload(BaseModel):
    """A provider's object as far as we read it: strict (no coercion), fields we do not read are ignored."""

    model_config = ConfigDict(strict=True, frozen=True, extra="ignore")


class Unreadable(Exception):
    """A provider's payload we refuse; `reason` is in our words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def refusal(exc: Exception) -> str:
    """What to log about an answer we refused: our own reason, or only the type of an exception from elsewhere
    (its message could quote the answer)."""
    if isinstance(exc, Unreadable):
        return exc.reason
    return str(exc) if isinstance(exc, InvalidPaymentEventError) else type(exc).__name__


def _unix_time(value: object) -> datetime:
    if type(value) is not int or not EARLIEST.timestamp() <= value < LATEST.timestamp():
        raise ValueError("not a time in range")
    return datetime.fromtimestamp(value, UTC)


def _iso_time(value: object) -> datetime:
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError("not a time in range")
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))  # a ValueError here is reported as a value_error
    moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    if not EARLIEST <= moment < LATEST:
        raise ValueError("not a time in range")
    return moment


Id = Annotated[str, StringConstraints(pattern=f"^{ID_PATTERN}$")]
Amount = Annotated[int, Field(ge=0, le=MAX_AMOUNT)]
PositiveAmount = Annotated[int, Field(ge=1, le=MAX_AMOUNT)]
Currency = Annotated[str, StringConstraints(pattern="^[A-Za-z]{3}$", to_lower=True)]
Word = Annotated[str, StringConstraints(pattern="^[A-Za-z][A-Za-z0-9_]{0,39}$")]  # a status or a mode
EventType = Annotated[str, StringConstraints(pattern=f"^{EVENT_TYPE_PATTERN}$")]
CheckoutUrl = Annotated[str, StringConstraints(pattern="^https?://[!-~]{1,990}$")]  # where the buyer is sent
UnixTime = Annotated[datetime, PlainValidator(_unix_time)]  # Stripe: whole seconds since 1970
IsoTime = Annotated[datetime, PlainValidator(_iso_time)]  # Creem: "2026-11-29T12:00:00.000Z"

P = TypeVar("P", bound=Payload)


def read(model: type[P], data: object, where: str = "") -> P:
    """`data` (already parsed: an API answer, or part of an event) as `model`, or Unreadable."""
    try:
        return model.model_validate(data, strict=True)
    except ValidationError as exc:
        raise Unreadable(describe(exc, where)) from None


def read_json(model: type[P], body: bytes) -> P:
    """A raw JSON body as `model`, or Unreadable (not JSON, nested too deep, or the wrong shape)."""
    try:
        return model.model_validate_json(body, strict=True)
    except ValidationError as exc:
        raise Unreadable(describe(exc)) from None


def parse_signed(
    provider: str, body: bytes, read_event: Callable[[bytes], PaymentEvent], keys: Sequence[str]
) -> PaymentEvent:
    """A signed webhook body as a PaymentEvent, or MalformedEventError saying why in our words. `keys` name
    the envelope's id and type fields, so the refusal can carry them when they are safe.

    Anything a signed body provokes is answered as a refusal, never as a crash: a 500 would make the provider
    send it again for days, and an exception's message could quote the payload."""
    try:
        return read_event(body)
    except Unreadable as exc:
        reason = exc.reason
    except InvalidPaymentEventError as exc:  # our own words: the field and the rule
        reason = str(exc)
    except Exception as exc:  # noqa: BLE001 - see above; the log gets the type and the place only
        log.warning("A signed %s event could not be read: %s", provider, crash_summary(exc))
        reason = "the event could not be read"
    event_id, event_type = _envelope_facts(body, keys)
    key = event_id or "body:" + hashlib.sha256(body).hexdigest()[:40]
    raise MalformedEventError(reason, event_id=event_id, type=event_type, key=key)


def _envelope_facts(body: bytes, keys: Sequence[str]) -> tuple[str, str]:
    """The envelope's id and type as far as each is a safe one; "" for what is missing, odd or unsafe."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return "", ""
    if not isinstance(data, dict):
        return "", ""
    found_id, found_type = data.get(keys[0]), data.get(keys[1])
    return (found_id if is_safe_id(found_id) else "", found_type if is_event_type(found_type) else "")


# -- refusals in our words ---------------------------------------------------------------------------------------

_PROBLEMS = {
    "missing": "is missing",
    "int_type": "is not a whole number",
    "int_parsing": "is not a whole number",
    "int_from_float": "is not a whole number",
    "string_type": "is not text",
    "string_too_long": "is too long",
    "string_too_short": "is empty",
    "string_pattern_mismatch": "is not in the expected form (letters, digits and a few signs, of a bounded length)",
    "bool_type": "is not true or false",
    "dict_type": "is not an object",
    "model_type": "is not an object",
    "model_attributes_type": "is not an object",
    "list_type": "is not a list",
    "too_long": "has too many items",
    "value_error": "is not a time within this century",
    "json_invalid": "is not JSON (or is nested too deep)",
    "json_type": "is not JSON",
}


def describe(exc: ValidationError, where: str = "") -> str:
    """The first problem of a failed validation in our words: our model's field names and our own limits, never
    the input (pydantic's own message quotes it) nor a key we do not know."""
    first = exc.errors(include_url=False, include_input=False, include_context=True)[0]
    path = ".".join(p for p in (where, _path(first["loc"])) if p) or "the event"
    kind, limits = first["type"], first.get("ctx") or {}
    if kind in ("greater_than_equal", "greater_than") and isinstance(limits.get("ge", limits.get("gt")), int):
        problem = f"must be at least {limits.get('ge', limits.get('gt'))}"
    elif kind in ("less_than_equal", "less_than") and isinstance(limits.get("le", limits.get("lt")), int):
        problem = f"must be at most {limits.get('le', limits.get('lt'))}"
    else:
        problem = _PROBLEMS.get(kind, "is not valid")
    return f"{path} {problem}"


def _path(loc: Iterable[int | str]) -> str:
    """A location made of our own field names and list positions only (a union's branch tags and any key
    that is not one of our fields are left out)."""
    names = _field_names()
    parts = [f"[{p}]" if isinstance(p, int) else p for p in loc if isinstance(p, int) or p in names]
    return ".".join(parts).replace(".[", "[")


def _field_names() -> set[str]:
    names: set[str] = set()
    todo: list[type[Any]] = [Payload]
    while todo:
        model = todo.pop()
        todo.extend(model.__subclasses__())
        for name, info in getattr(model, "model_fields", {}).items():
            names.update(n for n in (name, info.alias) if n)
    return names
