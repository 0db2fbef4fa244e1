"""Waiting for a condition in tests: poll it until it holds or a deadline passes, never wait a fixed time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Protocol, TypeVar

T = TypeVar("T")
POLL_SECONDS = 0.05


class Pumps(Protocol):
    """A Playwright page: waiting through it lets Playwright deliver its events (routes, dialogs) meanwhile."""

    def wait_for_timeout(self, timeout: float) -> None: ...


def wait_until(
    condition: Callable[[], T | None],
    *,
    timeout: float = 10.0,
    what: str | Callable[[], str] = "the condition",
    page: Pumps | None = None,
) -> T:
    """The first truthy value of `condition`, checked every 50 ms; past `timeout` seconds the test fails, saying
    `what` never came about (a callable `what` is asked then, to describe the state at the deadline)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            described = what() if callable(what) else what
            raise AssertionError(f"Not within {timeout:g} s: {described}")
        if page is not None:
            page.wait_for_timeout(POLL_SECONDS * 1000)  # between two looks, not instead of one
        else:
            time.sleep(POLL_SECONDS)  # between two looks, not instead of one


async def wait_until_async(
    condition: Callable[[], T | None], *, timeout: float = 10.0, what: str | Callable[[], str] = "the condition"
) -> T:
    """As `wait_until`, inside an event loop: the loop's own tasks (a lifespan's ticks) run between two looks."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            described = what() if callable(what) else what
            raise AssertionError(f"Not within {timeout:g} s: {described}")
        await asyncio.sleep(POLL_SECONDS)  # between two looks, not instead of one
