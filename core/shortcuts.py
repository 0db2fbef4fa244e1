"""Named shortcuts to what a holder builds on first use: `uow.users` is `uow.of(UserRepository)`, and
`container.billing` is `container.of(BillingService)`. A new capability's repository or service needs no
shortcut: `uow.of(ItsRepository)` and `container.of(ItsService)` find it."""

from __future__ import annotations

from typing import Any, Generic, TypeVar, cast, overload

T = TypeVar("T")


class Shortcut(Generic[T]):
    """A class attribute whose value, read on an instance, is `instance.of(kind)`."""

    def __init__(self, kind: type[T]) -> None:
        self.kind = kind

    @overload
    def __get__(self, holder: None, owner: type[Any]) -> Shortcut[T]: ...
    @overload
    def __get__(self, holder: object, owner: type[Any]) -> T: ...
    def __get__(self, holder: object, owner: type[Any]) -> T | Shortcut[T]:
        if holder is None:
            return self
        return cast(T, holder.of(self.kind))  # type: ignore[attr-defined]
