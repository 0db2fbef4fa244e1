"""Credits: the read models of the ledger: its raw rows, and the statement a person reads."""

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


@dataclass(frozen=True)
class StatementRow:
    """One line of the credit statement: a whole generation job (its hold, capture and release
    together), or one grant or adjustment.

    `balance_after` is the balance once this line (and everything older) had happened: the top
    line of the first page is the current balance, and each line's `balance_after` minus its
    `change` is the `balance_after` of the line below it.
    """

    id: int  # the newest ledger entry of the line: the paging cursor, newest first
    created_at: datetime  # when the line last changed
    kind: str  # "Generation", "Edit", "Grant" or "Adjustment"
    description: str
    change: int  # the sum of the line's entries
    balance_after: int
    reference: str = ""  # grants, clawbacks, adjustments: what they are about ("order 1a2b…", "by an admin")
    generation_id: str | None = None  # jobs only
    held: int = 0  # jobs: the credits held when the job started
    charged: int | None = None  # jobs that ended: credits kept; None while the job runs
    returned: int | None = None  # jobs that ended: credits given back; None while the job runs
    prompt: str = ""  # jobs: what was asked for, the text alternative of the thumbnail
    image_id: int | None = None  # the job's first image, while it still exists
    thumb_url: str | None = None  # that image's signed thumbnail URL (relative)

    @property
    def in_flight(self) -> bool:
        return self.generation_id is not None and self.charged is None
