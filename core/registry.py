"""The registry: what each capability plugs into the house: its services, its HTTP routes, its periodic tasks, its
entries on the map of personal data (core/personal_data.py) and its retention rules.

Each capability declares itself once, as `CAPABILITY` in its own module of `core/capabilities/`, and the
registry finds every such module. The composition root (core/bootstrap.py), the HTTP routes
(core/web/routes.py) and the worker (core/worker/) read only this, so a new capability adds
its own module and edits no shared list.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from core.container import Container, ServiceFactory
from core.errors import ConfigurationError
from core.personal_data import PersonalData
from core.settings import Settings

ContainerSource = Callable[[], Container]
# A capability's HTTP routes, built from the container source (Starlette routes; core/web checks their type).
RouteFactory = Callable[[ContainerSource], Sequence[object]]
CAPABILITIES_PACKAGE = "core.capabilities"


@dataclass(frozen=True)
class PeriodicTask:
    """Work the worker does on its own: at start, then every `every(settings)` seconds."""

    name: str  # said in the log, with a failure's type
    every: Callable[[Settings], float]
    run: Callable[[Container], int]  # how many things it did (jobs moved, rows deleted, ...)
    done: str = ""  # the log line when it did something, with %d for the count


@dataclass(frozen=True)
class RetentionRule:
    """Data kept only for a while. The retention sweep (core/services/retention.py) runs every capability's rules,
    records each run with a count per rule, and an admin can run it at once (Admin → Retention)."""

    name: str  # a stable key, recorded with each run's counts: "sign_ins", "outbox", ...
    describe: Callable[[Settings], str]  # what it deletes and after how long, in the settings' terms
    run: Callable[[Container, datetime], int]  # delete (or erase) what is due at `now`; how many things went


@dataclass(frozen=True)
class Capability:
    name: str
    services: Mapping[type[Any], ServiceFactory] = field(default_factory=dict)  # each built once, when first used
    routes: tuple[RouteFactory, ...] = ()
    tasks: tuple[PeriodicTask, ...] = ()
    personal_data: tuple[PersonalData, ...] = ()  # what export and erasure do with each store it owns
    retention: tuple[RetentionRule, ...] = ()  # what the retention sweep deletes once its time is up


@cache
def capabilities() -> tuple[Capability, ...]:
    """Every capability, by name: the `CAPABILITY` of each module in core/capabilities/."""
    package = importlib.import_module(CAPABILITIES_PACKAGE)
    found: list[Capability] = []
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{CAPABILITIES_PACKAGE}.{info.name}")
        declared = getattr(module, "CAPABILITY", None)
        if not isinstance(declared, Capability):
            raise ConfigurationError(f"{module.__name__} declares no CAPABILITY.")
        found.append(declared)
    names = [c.name for c in found]
    if len(set(names)) != len(names):
        raise ConfigurationError(f"Two capabilities share a name: {sorted(names)}.")
    return tuple(sorted(found, key=lambda c: c.name))


def service_factories() -> dict[type[Any], ServiceFactory]:
    factories: dict[type[Any], ServiceFactory] = {}
    for capability in capabilities():
        for kind, factory in capability.services.items():
            if kind in factories:
                raise ConfigurationError(f"Two capabilities provide {kind.__name__}.")
            factories[kind] = factory
    return factories


def route_factories() -> list[RouteFactory]:
    return [factory for capability in capabilities() for factory in capability.routes]


def periodic_tasks() -> list[PeriodicTask]:
    return [task for capability in capabilities() for task in capability.tasks]


def retention_rules() -> list[RetentionRule]:
    rules = [rule for capability in capabilities() for rule in capability.retention]
    names = [rule.name for rule in rules]
    if len(set(names)) != len(names):
        raise ConfigurationError(f"Two retention rules share a name: {sorted(names)}.")
    return rules


def personal_data_map() -> list[PersonalData]:
    """Every store of personal data, in the order erasure runs them."""
    entries = [entry for capability in capabilities() for entry in capability.personal_data]
    stores = [entry.store for entry in entries]
    if len(set(stores)) != len(stores):
        raise ConfigurationError(f"Two capabilities declare the same store: {sorted(stores)}.")
    return sorted(entries, key=lambda entry: (entry.step, entry.store))


def hourly(_settings: Settings) -> float:
    """Housekeeping whose limits are counted in days: hourly is plenty."""
    return 3600.0
