"""Policy versions: the documents in POLICIES_DIR (read at start: a bad file stops it), publishing a version with
its notice, the announcement by email (finished by the worker), the notice above every page and users'
acknowledgements; the map's entries for the publications and the acknowledgements."""

from core.container import Container
from core.domain.policies import load_policies
from core.personal_data import Category, OnErasure, PersonalData, count_rows, delete_rows
from core.registry import Capability, PeriodicTask
from core.services.policies import PolicyService
from db.repositories.policies import PolicyRepository

ANNOUNCE_SECONDS = 60.0


def policies(c: Container) -> PolicyService:
    s = c.settings
    return PolicyService(c.db, c.clock, load_policies(s.policies_dir), notice_days=s.policy_notice_days)


CAPABILITY = Capability(
    name="policies",
    services={PolicyService: policies},
    tasks=(
        PeriodicTask(
            "announce policy changes",
            lambda _settings: ANNOUNCE_SECONDS,
            lambda c: c.of(PolicyService).announce_pending(),
            "Queued %d policy change emails",
        ),
    ),
    personal_data=(
        PersonalData(
            store="table:policy_acknowledgements",
            category=Category.CONSENTS,
            holds="Which announced policy changes you read and said OK to, and when",
            export="policy_acknowledgements.csv",
            on_erasure=OnErasure.DELETE,
            step=10,
            erase=delete_rows("policy_acknowledgements"),
            count=count_rows("policy_acknowledgements"),
        ),
        PersonalData(
            store="table:policy_publications",
            category=Category.ACCOUNT,
            holds="The policy versions you published, and when (staff only)",
            export="",
            on_erasure=OnErasure.PSEUDONYMISE,
            step=10,
            erase=lambda ctx: ctx.uow.of(PolicyRepository).forget_publisher(ctx.user_id),
            reason="staff's record of which policy version was published when; it stays as the record of what was "
            "in force when, and on erasure no longer names who published it",
            owner_columns=("published_by",),
        ),
    ),
)
