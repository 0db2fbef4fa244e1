"""Credits: the read models of the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class LedgerEntryView:
    id: int
    created_at: datetime
    kind: str
    reason: str
    delta: int
    reference: str
