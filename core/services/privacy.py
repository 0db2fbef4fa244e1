"""PrivacyService: the privacy centre's rules: what we hold, consents and the restriction, corrections and the
user's own requests (the admin's queue is core/services/privacy_queue.py).

**Every use of a user's data for a purpose they decide on asks `may(uow, user_id, purpose)` first** (or
`PrivacyService.may(user_id, purpose)` outside a transaction). The app keeps no analytics, trains no model and
sends no product email today; code that adds one of them calls this and does nothing when it says False. It is
False unless the user switched the purpose on, and False for every purpose while processing is restricted
(`Choices.allows`, core/domain/privacy.py). Generation is refused while restricted (`refuse_if_restricted`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime

from core.clock import Clock
from core.domain import UserView
from core.domain.email import MessageKind
from core.domain.privacy import Choices, Purpose
from core.domain.privacy_requests import due_at
from core.errors import ValidationError
from core.personal_data import PersonalData
from core.services.email_outbox import enqueue
from core.services.privacy_requests import RequestKind, RequestStatus, record
from core.services.privacy_views import (
    PURPOSE_TITLES,
    ConsentChange,
    Holding,
    RequestView,
    consent_change,
    holdings,
    request_view,
    switch_artifact,
)
from core.stored_text import REQUEST_CHARS, request_rule
from db.repositories.consents import ConsentRepository
from db.repositories.privacy_requests import PrivacyRequestRepository
from db.tables import ConsentRecord
from db.uow import Database, UnitOfWork

RESTRICTED = "Processing of your data is restricted at your request. Lift the restriction in Privacy to generate again."
OBJECTIONS = (Purpose.ANALYTICS, Purpose.PRODUCT_EMAIL)  # switching one of these off is an objection
SOURCE = "privacy_centre"


def may(uow: UnitOfWork, user_id: int, purpose: Purpose) -> bool:
    """Whether `purpose` may go on for this user now: given, and processing not restricted."""
    return uow.of(ConsentRepository).choices(user_id).allows(purpose)


def restriction_refusal(uow: UnitOfWork, user_id: int) -> str:
    """Why nothing may be processed for this user, or "" when processing is not restricted."""
    return RESTRICTED if uow.of(ConsentRepository).choices(user_id).restricted else ""


def refuse_if_restricted(uow: UnitOfWork, user_id: int) -> None:
    if refusal := restriction_refusal(uow, user_id):
        raise ValidationError(refusal)


def change_choice(
    uow: UnitOfWork, user_id: int, purpose: Purpose, granted: bool, now: datetime, policy_version: str
) -> bool:
    """Record a change of one choice in the caller's transaction; False when it already had that value (nothing is
    written). Switching analytics or product emails off, or opting out of automated decisions, is an objection;
    restricting processing or lifting the restriction is a restriction request: each is recorded as a completed
    privacy request too."""
    consents = uow.of(ConsentRepository)
    if consents.choices(user_id)[purpose] == granted:
        return False
    consent_id = consents.add(
        ConsentRecord(
            user_id=user_id,
            purpose=purpose.value,
            granted=granted,
            policy_version=policy_version,
            source=SOURCE,
            created_at=now,
        )
    )
    kind = _request_kind(purpose, granted)
    if kind is not None:
        record(uow, user_id, kind, now, artifact=switch_artifact(purpose, granted))
    facts = {"choice": PURPOSE_TITLES[purpose], "value": "on" if granted else "off"}
    enqueue(uow, user_id, MessageKind.CONSENT_CHANGED, now, facts, key=f"consent:{consent_id}")
    return True


class PrivacyService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        personal_data: Sequence[PersonalData],
        *,
        policy_version: Callable[[], str],  # the privacy policy's version in force now (PolicyService)
        data_region: str,
        max_request_chars: int = REQUEST_CHARS,
        response_days: int = 30,
    ) -> None:
        self.db, self.clock = db, clock
        self.response_days = response_days
        self.personal_data = list(personal_data)
        self.policy_version, self.data_region = policy_version, data_region
        self.max_request_chars = max_request_chars

    # What we hold -------------------------------------------------------------------------------------------

    def holdings(self, actor: UserView) -> list[Holding]:
        """What we hold about the user, by category, counted by the personal-data map's own count handlers."""
        counts: dict[str, int] = defaultdict(int)
        with self.db.reader() as uow:
            for entry in self.personal_data:
                if entry.count is not None:
                    counts[entry.store] += entry.count(uow, actor.id)
        return holdings(self.personal_data, counts, self.data_region)

    # Consents and the restriction ---------------------------------------------------------------------------

    def choices(self, actor: UserView) -> Choices:
        with self.db.reader() as uow:
            return uow.of(ConsentRepository).choices(actor.id)

    def may(self, user_id: int, purpose: Purpose) -> bool:
        """`may` (above) in a transaction of its own."""
        with self.db.reader() as uow:
            return may(uow, user_id, purpose)

    def restriction(self, actor: UserView) -> str:
        """What the Generate page says before the user tries: "" when they may generate."""
        with self.db.reader() as uow:
            return restriction_refusal(uow, actor.id)

    def set_choice(self, actor: UserView, purpose: Purpose, granted: bool) -> bool:
        """Record a change of one choice; False when it already had that value (nothing is written)."""
        with self.db.uow() as uow:
            changed = change_choice(uow, actor.id, purpose, granted, self.clock(), self.policy_version())
            uow.commit()
        return changed

    def consent_history(self, actor: UserView) -> list[ConsentChange]:
        """Every change of every choice, newest first."""
        with self.db.reader() as uow:
            rows = uow.of(ConsentRepository).history(actor.id)
        known = {p.value for p in Purpose}
        return [consent_change(r) for r in rows if r.purpose in known]

    # Corrections and the user's requests ---------------------------------------------------------------------

    def ask_correction(self, actor: UserView, detail: str) -> RequestView:
        """A request to correct something the user cannot edit themselves; an admin answers it."""
        text = request_rule(self.max_request_chars).clean(detail)
        now = self.clock()
        due = due_at(now, urgent=False, response_days=self.response_days, urgent_hours=0)
        with self.db.uow() as uow:
            row = record(
                uow, actor.id, RequestKind.RECTIFICATION, now, status=RequestStatus.RECEIVED, detail=text, due=due
            )
            view = request_view(row)
            facts = {"reference": row.reference, "what": view.what, "due": f"{due:%Y-%m-%d %H:%M} UTC"}
            enqueue(uow, actor.id, MessageKind.REQUEST_RECEIVED, now, facts, key=f"request_received:{row.reference}")
            uow.commit()
        return view

    def my_requests(self, actor: UserView) -> list[RequestView]:
        """The user's requests, newest first, with the admin's answers."""
        with self.db.reader() as uow:
            return [request_view(r) for r in uow.of(PrivacyRequestRepository).for_user(actor.id)]


def _request_kind(purpose: Purpose, granted: bool) -> RequestKind | None:
    if purpose == Purpose.RESTRICTION:
        return RequestKind.RESTRICTION  # both ways: lifting it is the user's own action, and is recorded
    if purpose in OBJECTIONS and not granted:
        return RequestKind.OBJECTION
    if purpose == Purpose.HUMAN_REVIEW and granted:  # opting out of automated decisions
        return RequestKind.OBJECTION
    return None
