"""The background loop, started once per server process by the st.App lifespan: it runs every capability's
periodic tasks (core/registry.py), each at start and then at its own interval."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from core.container import Container
from core.logs import log_failure
from core.registry import PeriodicTask, periodic_tasks
from core.settings import Settings

log = logging.getLogger(__name__)
RETRY_AFTER_FAILURE_SECONDS = 5.0  # a task that failed (the database briefly away) waits at least this long
LONGEST_NAP_SECONDS = 60.0  # the loop wakes at least this often, so a stop or a changed interval is seen


def background_lifespan(
    container: Callable[[], Container],
    on_start: Callable[[Settings], object] | None = None,
    tasks: Sequence[PeriodicTask] | None = None,
) -> Callable[[Any], contextlib.AbstractAsyncContextManager[None]]:
    """`on_start` runs once, before the server takes its first request; app.py hands in Streamlit's side.
    `tasks` defaults to every registered capability's."""

    @contextlib.asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        if on_start is not None:
            on_start((await asyncio.to_thread(container)).settings)
        stop = asyncio.Event()
        task = asyncio.create_task(_loop(container, stop, periodic_tasks() if tasks is None else tasks))
        try:
            yield
        finally:
            stop.set()
            await task

    return lifespan


async def _loop(container: Callable[[], Container], stop: asyncio.Event, tasks: Sequence[PeriodicTask]) -> None:
    log.info("Background loop started")
    due = [0.0] * len(tasks)  # every task runs once at start
    while not stop.is_set():
        nap = RETRY_AFTER_FAILURE_SECONDS
        try:
            c = await asyncio.to_thread(container)
        except Exception as exc:
            log_failure(log, "Background loop could not start its tasks", exc)
        else:
            for index, task in enumerate(tasks):
                if not stop.is_set() and time.monotonic() >= due[index]:
                    due[index] = time.monotonic() + await _run(task, c)
            nap = min([*(d - time.monotonic() for d in due), LONGEST_NAP_SECONDS])
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=max(nap, 0.05))
    log.info("Background loop stopped")


async def _run(task: PeriodicTask, c: Container) -> float:
    """Run one task off the event loop; the seconds until it is due again. A failure is logged by its type and
    place (never its message, which may quote a person's data) and waits a little longer."""
    try:
        done = await asyncio.to_thread(task.run, c)
        if done and task.done:
            log.info(task.done, done)
        return task.every(c.settings)
    except Exception as exc:
        log_failure(log, f"Background task {task.name!r} failed", exc)
        return max(task.every(c.settings), RETRY_AFTER_FAILURE_SECONDS)
