"""What every table module shares."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


# SQLite reuses the largest rowid after a delete unless the table says AUTOINCREMENT; an id
# handed out once (in a link, a session, a ledger reference) must never name another row.
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}
