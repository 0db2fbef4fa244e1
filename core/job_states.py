"""The generation job's state machine: every allowed write to a job, in one place.

queued → running → succeeded | failed | canceled, plus progress updates within a state and
two bookkeeping steps while the job is handed to the engine. Each transition is applied as
one conditional UPDATE (`… WHERE id = … AND status IN (sources)`), so a write that loses a
race with another writer (a cancel, a timeout, a second worker) changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.domain import JobStatus

QUEUED, RUNNING = JobStatus.QUEUED, JobStatus.RUNNING
IN_FLIGHT = frozenset({QUEUED, RUNNING})


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[JobStatus]
    target: JobStatus | None = None  # None: the status stays as it is
    unsent_only: bool = False  # only while no engine request id is recorded


# Record the intent to send, before the engine is called: a sender that dies leaves a trace.
SEND = Transition("send", frozenset({QUEUED}), unsent_only=True)
# Record the engine's request id once it accepted the job.
SENT = Transition("sent", IN_FLIGHT, unsent_only=True)
# A send the engine surely refused (it answered 5xx, or no connection was made): it may be tried again.
RETRY = Transition("retry", frozenset({QUEUED}), unsent_only=True)
# Bookkeeping within a state (a count of passing engine failures).
NOTE = Transition("note", IN_FLIGHT)
# Progress while the engine still queues the job; a running job never goes back to queued.
WAIT = Transition("wait", frozenset({QUEUED}), QUEUED)
# Progress while the engine works on it.
RUN = Transition("run", IN_FLIGHT, RUNNING)
SUCCEED = Transition("succeed", IN_FLIGHT, JobStatus.SUCCEEDED)
FAIL = Transition("fail", IN_FLIGHT, JobStatus.FAILED)
CANCEL = Transition("cancel", IN_FLIGHT, JobStatus.CANCELED)
