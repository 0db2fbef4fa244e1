"""AuditorCsvService: the privacy requests and the consent records as CSV files for auditors. Each file is made
in the service, formula-safe (core/csv_safe.py: a cell starting with = + - @ tab or CR is made inert), and making
it writes an audit entry in the same transaction that reads the rows."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

from core.clock import Clock
from core.csv_safe import CsvWriter
from core.domain import UserView
from core.domain.export import iso_utc
from core.domain.privacy_export import optional_utc
from core.services import audit
from core.services.roles import require_admin
from db.repositories.auditor_rows import AuditorRowRepository
from db.tables import ConsentRecord, PrivacyRequest
from db.uow import Database

BATCH = 1_000
REQUEST_HEADER = (
    "reference", "user_id", "kind", "status", "channel", "urgent", "received_at", "due_at", "original_due_at",
    "extended_at", "extension_reason", "completed_at", "handler_id", "artifact", "detail", "answer",
)  # fmt: skip
CONSENT_HEADER = ("id", "user_id", "purpose", "granted", "policy_version", "source", "created_at")


def _request(r: PrivacyRequest) -> list[object]:
    return [
        r.reference, r.user_id if r.user_id is not None else "erased", r.kind, r.status, r.channel,
        "yes" if r.urgent else "no", iso_utc(r.received_at), optional_utc(r.due_at),
        optional_utc(r.first_due_at or r.due_at), optional_utc(r.extended_at), r.extension_reason,
        optional_utc(r.completed_at), r.handler_id, r.artifact, r.detail, r.answer,
    ]  # fmt: skip


def _consent(c: ConsentRecord) -> list[object]:
    return [c.id, c.user_id, c.purpose, "yes" if c.granted else "no", c.policy_version, c.source, iso_utc(c.created_at)]


class AuditorCsvService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db, self.clock = db, clock

    def requests_csv(self, actor: UserView) -> bytes:
        """Every privacy request, self-service ones included, in the order they came; audited."""
        return self._csv(actor, PrivacyRequest, REQUEST_HEADER, _request, "privacy_requests.csv_exported")

    def consents_csv(self, actor: UserView) -> bytes:
        """Every change of every user's choices, with the policy version it was made under; audited."""
        return self._csv(actor, ConsentRecord, CONSENT_HEADER, _consent, "consents.csv_exported")

    def _csv(
        self, actor: UserView, table: Any, header: Sequence[str], cells: Callable[[Any], list[object]], action: str
    ) -> bytes:
        out = io.BytesIO()
        writer = CsvWriter(out, header)
        rows = 0
        with self.db.uow() as uow:
            require_admin(uow, actor)
            repo, after = uow.of(AuditorRowRepository), None
            while batch := repo.batch(table, after, BATCH):
                for row in batch:
                    writer.writerow(cells(row))
                rows += len(batch)
                after = batch[-1].id
            audit.record(uow, self.clock(), actor.id, action, "privacy", rows=rows)
            uow.commit()
        return out.getvalue()
