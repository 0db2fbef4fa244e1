"""Recording a privacy request: every right a user exercises leaves one, even the self-service ones that are
completed at once, so the log of requests is complete."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from db.repositories.privacy_requests import PrivacyRequestRepository
from db.tables import PrivacyRequest
from db.uow import UnitOfWork


class RequestKind(StrEnum):
    ACCESS = "access"
    RECTIFICATION = "rectification"
    ERASURE = "erasure"
    RESTRICTION = "restriction"
    OBJECTION = "objection"
    REVIEW = "review"  # a person's review of an automated decision
    OTHER = "other"


class RequestStatus(StrEnum):
    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    DENIED = "denied"
    CANCELED = "canceled"


def record(
    uow: UnitOfWork,
    user_id: int,
    kind: RequestKind,
    now: datetime,
    *,
    status: RequestStatus = RequestStatus.COMPLETED,
    detail: str = "",
    artifact: str = "",
    channel: str = "self_service",
) -> PrivacyRequest:
    """Add the request in the caller's transaction. `detail` must already be clean (core/stored_text)."""
    done = status in (RequestStatus.COMPLETED, RequestStatus.DENIED)
    return uow.of(PrivacyRequestRepository).add(
        PrivacyRequest(
            reference=secrets.token_hex(6).upper(),
            user_id=user_id,
            kind=kind.value,
            status=status.value,
            channel=channel,
            detail=detail,
            artifact=artifact,
            received_at=now,
            completed_at=now if done else None,
        )
    )
