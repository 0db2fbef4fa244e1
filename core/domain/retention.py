"""The retention sweep as the admin sees it: each rule in words, and each run with what it did."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Trigger(StrEnum):
    SCHEDULE = "schedule"  # the worker, hourly
    ADMIN = "admin"  # an admin's "Run the sweep now"


class RunStatus(StrEnum):
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"  # a rule raised; the others ran, and it runs again at the next sweep
    INTERRUPTED = "interrupted"  # the process stopped mid-sweep; the next run did its rules again


@dataclass(frozen=True)
class RuleView:
    name: str
    description: str  # what it deletes and after how long, with the configured period


@dataclass(frozen=True)
class RunView:
    id: int
    started_at: datetime
    finished_at: datetime | None
    trigger: Trigger
    status: RunStatus
    counts: dict[str, int] = field(default_factory=dict)  # by rule: how many things went
    error: str = ""  # "<rule>: <exception type>" of each rule that failed; never a message (it may quote data)

    @property
    def total(self) -> int:
        return sum(self.counts.values())
