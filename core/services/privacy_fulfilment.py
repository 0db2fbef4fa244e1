"""PrivacyFulfilmentService: what an admin runs for a user whose request came by email or post. For an access
request, the privacy centre's full export, stored for the user to download; for an erasure request, the account's
erasure, scheduled with the normal grace period. Each completes the request with its artifact, audited, and the
user is told by email."""

from __future__ import annotations

from core.clock import Clock
from core.domain import UserView
from core.domain.privacy_requests import RequestStatus
from core.errors import ValidationError
from core.services import audit
from core.services.erasure import ErasureService
from core.services.privacy_queue import close, find, subject, when
from core.services.privacy_requests import RequestKind
from core.services.privacy_views import RequestView
from core.services.roles import require_admin
from core.services.stored_exports import StoredExportService
from db.repositories.privacy_requests import OPEN
from db.tables import PrivacyRequest
from db.uow import Database


class PrivacyFulfilmentService:
    def __init__(self, db: Database, clock: Clock, stored: StoredExportService, erasure: ErasureService) -> None:
        self.db, self.clock, self.stored, self.erasure = db, clock, stored, erasure

    def run_export(self, actor: UserView, request_id: int) -> RequestView:
        """Build the user's export and store it; the access request is completed with it as its artifact, and
        the user downloads it from their privacy centre until it expires."""
        with self.db.reader() as uow:
            require_admin(uow, actor)
            row = _open_of_kind(find(uow, request_id), RequestKind.ACCESS)
            user_id, reference = row.user_id, row.reference
        assert user_id is not None
        key, size = self.stored.write(user_id, reference)  # long work, outside any transaction
        now = self.clock()
        with self.db.uow() as uow:
            require_admin(uow, actor)
            expires = self.stored.record(uow, user_id, request_id, reference, key, size)
            answer = (
                "We prepared a download of everything we hold about you. Download it from your privacy centre "
                f"(Privacy → Your requests) before {when(expires)}; after that it is deleted."
            )
            view = close(uow, actor, request_id, RequestStatus.COMPLETED, answer, now, artifact=key)
            audit.record(
                uow, now, actor.id, "privacy_request.export_run", subject(user_id, request_id),
                request=request_id, size_bytes=size,
            )  # fmt: skip
            uow.commit()
        return view

    def run_erasure(self, actor: UserView, request_id: int) -> RequestView:
        """Schedule the account's erasure (the normal grace period; signing in and choosing "Keep my account"
        still cancels it) and complete the request with the erasure's reference as its artifact."""
        now = self.clock()
        with self.db.uow() as uow:
            require_admin(uow, actor)
            row = _open_of_kind(find(uow, request_id), RequestKind.ERASURE)
            assert row.user_id is not None
            scheduled = self.erasure.schedule_for(uow, row.user_id)
            answer = (
                f"Your account will be erased on {when(scheduled.erase_after)}, with everything it holds. To keep it, "
                'sign in before then and choose "Keep my account" in your privacy centre. Receipt reference: '
                f"{scheduled.reference}"
            )
            view = close(uow, actor, request_id, RequestStatus.COMPLETED, answer, now, artifact=scheduled.reference)
            audit.record(
                uow, now, actor.id, "privacy_request.erasure_run", subject(row.user_id, request_id),
                request=request_id, erasure=scheduled.reference,
            )  # fmt: skip
            uow.commit()
        return view


def _open_of_kind(row: PrivacyRequest, kind: RequestKind) -> PrivacyRequest:
    if row.kind != kind.value:
        raise ValidationError(f"Only an {kind.value} request can be answered this way.")
    if row.status not in OPEN:
        raise ValidationError("This request is not open any more. Reload the queue.")
    if row.user_id is None:
        raise ValidationError("The account of this request is erased already.")
    return row
