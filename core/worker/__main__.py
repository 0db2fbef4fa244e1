"""`python -m core.worker` (`make worker`): a worker apart from the web process. Run as many as you like, on any
machine that reaches the database and the blob store; they share the queue and the periodic tasks."""

from __future__ import annotations

import logging
import signal
import sys
import threading

from core.bootstrap import bootstrap
from core.errors import ConfigurationError
from core.logs import redact_exceptions
from core.settings import load_settings
from core.worker.loop import Worker
from db.schema import schema_problem

log = logging.getLogger("core.worker")


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    redact_exceptions()
    try:
        settings = load_settings()
        if problem := schema_problem(settings.resolved_database_url):
            raise ConfigurationError(problem)
        container = bootstrap(settings)
    except ConfigurationError as exc:
        log.error("The worker cannot start: %s", str(exc))  # our own sentence: it names no person
        return 2
    worker = Worker(container)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    worker.start()
    stop.wait()
    worker.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
