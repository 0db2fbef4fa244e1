"""The background loop, started once per server process by the st.App lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from core.bootstrap import Container
from core.logs import log_failure
from core.settings import Settings

log = logging.getLogger(__name__)
HOUSEKEEPING_INTERVAL_SECONDS = 3600.0  # retention sweeps: hourly is plenty for limits counted in days
PAYMENTS_CHECK_INTERVAL_SECONDS = 300.0  # checkouts still pending are asked about this often


def background_lifespan(
    container: Callable[[], Container],
    on_start: Callable[[Settings], object] | None = None,
) -> Callable[[Any], contextlib.AbstractAsyncContextManager[None]]:
    """`on_start` runs once, before the server takes its first request; app.py hands in Streamlit's side."""

    @contextlib.asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        if on_start is not None:
            on_start((await asyncio.to_thread(container)).settings)
        stop = asyncio.Event()
        task = asyncio.create_task(_loop(container, stop))
        try:
            yield
        finally:
            stop.set()
            await task

    return lifespan


async def _loop(container: Callable[[], Container], stop: asyncio.Event) -> None:
    """Finish or release every job still in flight, so a closed tab or a restart loses nothing;
    once an hour (and at start), delete what is past its retention, renew due demo plans and give older
    images their loading placeholders; and every five
    minutes ask the payment providers about checkouts still pending."""
    log.info("Background loop started")
    next_housekeeping = next_payments_check = 0.0
    while not stop.is_set():
        try:
            c = await asyncio.to_thread(container)
            await asyncio.to_thread(c.jobs.reconcile)
            if time.monotonic() >= next_housekeeping:
                removed = await asyncio.to_thread(c.accounts.sweep_sign_ins)
                if removed:
                    log.info("Deleted %d sign-in records past their retention", removed)
                if renewed := await asyncio.to_thread(c.billing.renew_due_plans):
                    log.info("Renewed or ended %d demo plans", renewed)
                if filled := await asyncio.to_thread(c.gallery.fill_placeholders):
                    log.info("Gave %d older images their loading placeholder", filled)
                next_housekeeping = time.monotonic() + HOUSEKEEPING_INTERVAL_SECONDS
            if time.monotonic() >= next_payments_check:
                if settled := await asyncio.to_thread(c.billing.reconcile_pending):
                    log.info("Settled %d pending checkouts by asking their providers", settled)
                next_payments_check = time.monotonic() + PAYMENTS_CHECK_INTERVAL_SECONDS
            interval = c.settings.worker_interval_seconds
        except Exception as exc:
            log_failure(log, "Background loop tick failed", exc)
            interval = 5.0
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
    log.info("Background loop stopped")
