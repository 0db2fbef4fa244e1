"""What the erasure of an account shows: the one scheduled (its date and reference) and the receipt, which
names no one: per system, what was removed or kept pseudonymised, with counts, and how many deletions are still
owed to other systems (retried until done)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime

from core.personal_data import OnErasure, PersonalData

DATABASE, MEDIA, WITHHELD, ENGINE = "Database", "Media store", "Withheld-image store", "fal.ai"


def system_of(store: str) -> str:
    """Which system a store of the map lives in, as the receipt names it."""
    if "withheld" in store:
        return WITHHELD
    if store.startswith("blobs:"):
        return MEDIA
    if store.startswith("engine:"):
        return ENGINE
    return DATABASE


@dataclass(frozen=True)
class ScheduledErasure:
    reference: str
    requested_at: datetime
    erase_after: datetime
    running: bool = False


@dataclass(frozen=True)
class KeptData:
    """A store an erasure keeps pseudonymised, and why."""

    holds: str
    reason: str


@dataclass(frozen=True)
class ReceiptLine:
    system: str
    what: str  # the store's description, from the map
    count: int
    kept: bool  # pseudonymised rather than removed
    why: str = ""  # why it is kept


@dataclass(frozen=True)
class ErasureReceipt:
    reference: str
    status: str  # scheduled | running | finished | canceled
    requested_at: datetime
    finished_at: datetime | None
    lines: tuple[ReceiptLine, ...]
    still_owed: int  # deletions owed to other systems, not yet done (retried)

    @property
    def finished(self) -> bool:
        return self.status == "finished"

    def totals(self) -> dict[str, int]:
        """Removed per system (pseudonymised rows not counted)."""
        found: dict[str, int] = {}
        for line in self.lines:
            if not line.kept:
                found[line.system] = found.get(line.system, 0) + line.count
        return found

    def as_json(self) -> str:
        """The receipt as a file to keep: no personal data, only the reference, dates and counts."""
        data = asdict(self)
        data["removed_by_system"] = self.totals()
        return json.dumps(data, default=lambda value: value.isoformat(), indent=2, ensure_ascii=False)


def receipt_lines(entries: list[PersonalData], counts: dict[str, int]) -> tuple[ReceiptLine, ...]:
    return tuple(
        ReceiptLine(
            system_of(entry.store),
            entry.holds,
            counts[entry.store],
            kept=entry.on_erasure is OnErasure.PSEUDONYMISE,
            why=entry.reason if entry.on_erasure is OnErasure.PSEUDONYMISE else "",
        )
        for entry in entries
        if entry.store in counts
    )
