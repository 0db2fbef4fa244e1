"""Emptying the payment providers' stored messages: what erasure does to a person's, and what the retention sweep
does to everyone's once tax law no longer needs them. The facts (provider, event id, type, state, order) stay."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Text, cast, update
from sqlmodel import col

from db.repositories.base import Repository
from db.tables import PaymentEventRecord

EMPTY = "{}"  # how an empty payload is stored (JSON text) on SQLite and PostgreSQL alike
WAITING = "waiting"  # a refund waiting for its payment is applied from its payload: kept until then


def empty_payloads(repository: Repository, where: ColumnElement[bool]) -> int:
    """Empty the payload of every event matching `where` that still has one; how many were emptied."""
    query = (
        update(PaymentEventRecord)
        .where(where, cast(col(PaymentEventRecord.payload), Text) != EMPTY)
        .values(payload={})
        .execution_options(synchronize_session=False)
    )
    return int(getattr(repository.session.execute(query), "rowcount", 0) or 0)


class PaymentPayloadRepository(Repository):
    def empty_before(self, cutoff: datetime) -> int:
        """Payloads of events received before `cutoff`, except those still waiting for their payment."""
        old = (col(PaymentEventRecord.received_at) < cutoff) & (col(PaymentEventRecord.state) != WAITING)
        return empty_payloads(self, old)
