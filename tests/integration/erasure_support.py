"""Erasure tests' helpers: the erasure service and the whole map it runs."""

from __future__ import annotations

from core.bootstrap import Container
from core.personal_data import PersonalData
from core.registry import personal_data_map
from core.services.erasure import ErasureService


def full_map() -> list[PersonalData]:
    return personal_data_map()


def erasure_service(c: Container) -> ErasureService:
    """The container's erasure service, over the whole map."""
    return c.of(ErasureService)
