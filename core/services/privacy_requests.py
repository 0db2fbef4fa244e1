"""Recording a privacy request: every right a user exercises leaves one, even the self-service ones that are
completed at once, so the log of requests is complete."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from core.domain.privacy_requests import RequestStatus
from db.repositories.privacy_requests import PrivacyRequestRepository
from db.tables import PrivacyRequest
from db.uow import UnitOfWork

__all__ = ["RequestKind", "RequestStatus", "record"]


class RequestKind(StrEnum):
    ACCESS = "access"
    RECTIFICATION = "rectification"
    ERASURE = "erasure"
    RESTRICTION = "restriction"
    OBJECTION = "objection"
    REVIEW = "review"  # a person's review of an automated decision
    OTHER = "other"


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
    due: datetime | None = None,
    urgent: bool = False,
) -> PrivacyRequest:
    """Add the request in the caller's transaction. `detail` must already be clean (core/stored_text). `due` is
    its deadline (core/domain/privacy_requests.due_at); a self-service action, done at once, is due when made."""
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
            due_at=due or now,
            urgent=urgent,
            completed_at=now if done else None,
        )
    )
