"""Submits that race: threads released together by a barrier, each submitting jobs of one user."""

from __future__ import annotations

import threading

from core.bootstrap import Container
from core.domain import UserView
from tests.factories import create_form


def race_submits(
    c: Container, user: UserView, *, threads: int, attempts: int = 1, refused: type[Exception]
) -> list[str]:
    """Each of `threads` threads submits `attempts` one-image jobs, all starting at once: the outcomes, "ok" or
    "refused" (the `refused` error); any other error leaves a thread's outcomes short, which callers count."""
    start = threading.Barrier(threads)
    outcomes: list[str] = []
    lock = threading.Lock()

    def session() -> None:
        start.wait()
        for _ in range(attempts):
            try:
                c.generation.submit(user, create_form(model="fake-draw"), c.generation.new_token())
                result = "ok"
            except refused:
                result = "refused"
            with lock:
                outcomes.append(result)

    running = [threading.Thread(target=session) for _ in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join()
    return outcomes
