"""InactiveAccountService: accounts nobody signed in to for INACTIVE_ACCOUNT_DAYS are erased, through the same
erasure as the privacy centre's, after a warning email INACTIVE_WARNING_DAYS ahead. Signing in before then
cancels it (core/services/accounts.py); the worker's "run due erasures" carries it out on the day."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.services.erasure import ErasureService
from db.repositories.retention import InactiveAccountRepository
from db.uow import Database

BATCH = 500  # accounts warned per sweep at most; the next hourly sweep takes the rest


class InactiveAccountService:
    def __init__(self, db: Database, erasure: ErasureService, *, inactive_days: int, warning_days: int) -> None:
        self.db, self.erasure = db, erasure
        self.inactive, self.warning = timedelta(days=inactive_days), timedelta(days=warning_days)

    def warn_due(self, now: datetime) -> int:
        """Warn every account whose warning is due and schedule its erasure; how many were warned. Each in its
        own transaction, so a crash halfway leaves the warned ones warned and the next sweep does the rest."""
        cutoff = now - (self.inactive - self.warning)
        with self.db.reader() as uow:
            due = uow.of(InactiveAccountRepository).inactive_ids(cutoff, BATCH)
        return sum(
            self.erasure.schedule_inactive(user_id, now, inactive=self.inactive, warning=self.warning)
            for user_id in due
        )
