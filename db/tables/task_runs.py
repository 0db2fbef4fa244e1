"""Periodic tasks: one row per task, naming the last period some worker claimed it for, so that across the whole
fleet each task runs once per period (core/worker/periodic.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel


class TaskRun(SQLModel, table=True):
    __tablename__ = "task_runs"

    name: str = Field(primary_key=True, max_length=100)  # the PeriodicTask's name
    period: int = Field(
        default=0, sa_type=BigInteger
    )  # the last period claimed: seconds since the epoch // the task's interval
    owner: str = Field(default="", max_length=64)  # the worker that claimed it (for the log; never a person)
    claimed_at: datetime | None = None
    finished_at: datetime | None = None  # None while it runs, or when the claimant died meanwhile
    runs: int = 0  # how many periods it has run in, in all
