"""Every HTTP route the st.App serves beside the pages: each capability's, as the registry lists them."""

from __future__ import annotations

from collections.abc import Callable

from starlette.routing import BaseRoute

from core.container import Container
from core.errors import ConfigurationError
from core.registry import route_factories


def all_routes(container: Callable[[], Container]) -> list[BaseRoute]:
    routes: list[BaseRoute] = []
    for factory in route_factories():
        for route in factory(container):
            if not isinstance(route, BaseRoute):
                raise ConfigurationError(f"{factory.__qualname__} gave {type(route).__name__}, not an HTTP route.")
            routes.append(route)
    return routes
