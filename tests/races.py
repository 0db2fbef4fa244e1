"""Calls that race: each on its own thread, all released together by a barrier, as double clicks, tabs, replicas,
webhooks or processes arriving at once would be. The one way the suite starts things at the same moment."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from core.bootstrap import Container
from core.domain import UserView
from tests.factories import create_form

T = TypeVar("T")
WAIT_SECONDS = 60.0  # a racing call that takes longer is stuck: the test fails instead of hanging


def outcomes_at_once(*calls: Callable[[], T]) -> list[T | BaseException]:
    """Each call on its own thread, all released together: what each returned, or the exception it raised, in the
    order of `calls`."""
    start = threading.Barrier(len(calls))
    outcomes: list[T | BaseException | None] = [None] * len(calls)

    def run(index: int, call: Callable[[], T]) -> None:
        try:
            start.wait(WAIT_SECONDS)
            outcomes[index] = call()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test, which says what it expected
            outcomes[index] = exc

    threads = [threading.Thread(target=run, args=(i, call), daemon=True) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT_SECONDS)
    if stuck := sum(thread.is_alive() for thread in threads):
        raise AssertionError(f"{stuck} of {len(calls)} racing calls did not finish in {WAIT_SECONDS:.0f} s")
    return outcomes  # type: ignore[return-value]  # every slot was filled by its thread


def at_once(*calls: Callable[[], T]) -> list[T]:
    """What each call returned, all released together, in the order of `calls`; the first error any raised is
    raised here."""
    outcomes = outcomes_at_once(*calls)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return outcomes  # type: ignore[return-value]  # no errors, so values


def racing(call: Callable[[], T], count: int = 6) -> list[T]:
    """What `call` returned in each of `count` threads released at the same moment (processes starting together),
    under a umask of 0, so a file made with the wrong mode would show it."""
    with _umask(0):
        return at_once(*[call] * count)


def race_submits(
    c: Container, user: UserView, *, threads: int, attempts: int = 1, refused: type[Exception]
) -> list[str]:
    """Each of `threads` threads submits `attempts` one-image jobs, all starting at once: the outcomes, "ok" or
    "refused" (the `refused` error); any other error is raised."""

    def session() -> list[str]:
        results = []
        for _ in range(attempts):
            try:
                c.generation.submit(user, create_form(model="fake-draw"), c.generation.new_token())
                results.append("ok")
            except refused:
                results.append("refused")
        return results

    return [outcome for results in at_once(*[session] * threads) for outcome in results]


@contextmanager
def _umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)
