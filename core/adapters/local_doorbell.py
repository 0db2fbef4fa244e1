"""The doorbell inside one process: the web process's submit wakes the in-process worker at once."""

from __future__ import annotations

import threading


class LocalDoorbell:
    """A ring between two waits is kept (as NOTIFY queues on a listening connection), so a job committed while
    the worker was busy claiming is never left for the polling interval."""

    def __init__(self) -> None:
        self._rung = threading.Condition()
        self._rings = self._heard = 0

    def ring(self) -> None:
        with self._rung:
            self._rings += 1
            self._rung.notify_all()

    def wait(self, timeout: float) -> bool:
        with self._rung:
            rung = self._rung.wait_for(lambda: self._rings != self._heard, timeout)
            self._heard = self._rings
            return rung

    def close(self) -> None:
        self.ring()  # whoever waits goes on at once
