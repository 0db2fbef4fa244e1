"""The web process's lifespan: once per server process, before the first request, the server's own options; then,
when WORKER_IN_PROCESS is on (the embedded default, so `make run` runs everything), a worker inside this process
(core/worker/): the job runner and every capability's periodic tasks. With it off, this process serves pages and
routes only and `make worker` runs apart."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from core.container import Container
from core.errors import ConfigurationError
from core.registry import PeriodicTask
from core.settings import Settings
from core.tcp_nodelay import nodelay_listeners
from core.worker.loop import Worker
from db.schema import schema_problem_on

log = logging.getLogger(__name__)


def background_lifespan(
    container: Callable[[], Container],
    on_start: Callable[[Settings], object] | None = None,
    tasks: Sequence[PeriodicTask] | None = None,
    check_schema: bool = False,
) -> Callable[[Any], contextlib.AbstractAsyncContextManager[None]]:
    """`on_start` runs once, before the server takes its first request; app.py hands in Streamlit's side.
    `tasks` defaults to every registered capability's. `check_schema`: a database whose migrations are behind this
    build stops the start, saying the command to run (migrations are their own step: `make migrate`)."""

    @contextlib.asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        c = await asyncio.to_thread(container)
        if check_schema and (problem := await asyncio.to_thread(schema_problem_on, c.db.engine)):
            log.error("Refusing to start: %s", problem)
            raise ConfigurationError(problem)
        if on_start is not None:
            on_start(c.settings)
        nodelay_listeners()  # Streamlit's listener lacks it: each response would wait for a delayed ACK
        worker = Worker(c, tasks) if c.settings.worker_in_process else None
        if worker is None:
            log.info("No worker in this process (WORKER_IN_PROCESS is off): run `make worker` beside it")
        else:
            worker.start()
        try:
            yield
        finally:
            if worker is not None:
                await asyncio.to_thread(worker.stop)

    return lifespan
