"""The audit log inside a unit of work: one row per admin action, written in the action's own transaction.

Rows are only ever added. Details hold ids and the values that changed, not names or emails,
so the log can be kept after an account is erased.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from db.tables import AuditEntry
from db.uow import UnitOfWork


def record(uow: UnitOfWork, at: datetime, actor_id: int | None, action: str, subject: str, **details: Any) -> None:
    uow.audit.add(
        AuditEntry(
            created_at=at,
            actor_id=actor_id,
            action=action,
            subject=subject,
            details=json.dumps(details, sort_keys=True, ensure_ascii=False, default=str),
        )
    )
