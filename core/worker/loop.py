"""The worker's two loops, each on its own thread: jobs (claimed in batches, worked in parallel, woken at once by
the doorbell, with polling only as the safety net) and periodic tasks (once per period across the fleet)."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from core.container import Container
from core.logs import log_failure
from core.registry import PeriodicTask, periodic_tasks
from core.services.leases import Lease
from core.worker.periodic import FleetTasks

log = logging.getLogger(__name__)
RETRY_AFTER_FAILURE_SECONDS = 5.0
LONGEST_NAP_SECONDS = 60.0  # the task loop wakes at least this often, so a stop is seen


def worker_name() -> str:
    """Says which process claimed a task (host, pid and a random tail); never anything about a person."""
    return f"{socket.gethostname()[:30]}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class Worker:
    def __init__(self, container: Container, tasks: Sequence[PeriodicTask] | None = None, name: str = "") -> None:
        s = container.settings
        self.c, self.name = container, name or worker_name()
        self.concurrency, self.batch, self.interval = (
            s.worker_concurrency,
            s.worker_batch_size,
            s.worker_interval_seconds,
        )
        self.tasks = FleetTasks(container, periodic_tasks() if tasks is None else tasks, self.name)
        self._stop = threading.Event()
        self._free = threading.Semaphore(self.concurrency)  # a slot per job worked at once
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        log.info("Worker %s started: %d jobs at once, %d per claim", self.name, self.concurrency, self.batch)
        for target, label in ((self._job_loop, "jobs"), (self._task_loop, "tasks")):
            thread = threading.Thread(target=target, name=f"worker-{label}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop claiming; jobs being worked finish their step (a step is short: its leases cover the rest)."""
        self._stop.set()
        self.c.doorbell.ring()
        for thread in self._threads:
            thread.join(timeout)
        log.info("Worker %s stopped", self.name)

    def _job_loop(self) -> None:
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="job") as pool:
            while not self._stop.is_set():
                try:
                    claimed = self._claim_round(pool)
                except Exception as exc:  # the database briefly away: wait, then try again
                    log_failure(log, "The worker could not claim jobs", exc)
                    self._stop.wait(RETRY_AFTER_FAILURE_SECONDS)
                    continue
                if not claimed:
                    self.c.doorbell.wait(self.interval)  # a submit rings; the interval is the safety net

    def _claim_round(self, pool: ThreadPoolExecutor) -> int:
        """Claim as many jobs as there are free slots (at most a batch) and hand each to the pool. Returns how many
        it claimed; when every slot was busy it waits for one to free up and returns 1, so the loop looks again at
        once instead of waiting for the doorbell."""
        slots = self._take_free_slots()
        leases: list[Lease] = []
        try:
            leases = self.c.jobs.claim(slots) if slots else []
        finally:
            for _ in range(slots - len(leases)):
                self._free.release()
        for lease in leases:
            pool.submit(self._work, lease)
        if not slots:  # every slot busy: wait for one to free up rather than for the doorbell
            if self._free.acquire(timeout=self.interval):
                self._free.release()
            return 1
        return len(leases)

    def _take_free_slots(self) -> int:
        taken = 0
        while taken < self.batch and self._free.acquire(blocking=False):
            taken += 1
        return taken

    def _work(self, lease: Lease) -> None:
        try:
            self.c.jobs.work(lease)
        finally:
            self._free.release()

    def _task_loop(self) -> None:
        while not self._stop.is_set():
            try:
                nap = self.tasks.run_due()
            except Exception as exc:
                log_failure(log, "The worker's periodic tasks failed", exc)
                nap = RETRY_AFTER_FAILURE_SECONDS
            self._stop.wait(min(nap, LONGEST_NAP_SECONDS))
