"""Erasure: an account's erasure after its grace period, handler by handler from the personal-data map, with its
receipt under a random reference; and the deletion outbox's runner, which carries out the deletions owed to other
systems (files, the engine's stored copies) and retries failures."""

from core.container import Container
from core.personal_data import Category, OnErasure, PersonalData, count_rows
from core.registry import Capability, PeriodicTask, personal_data_map
from core.services import erasure_steps
from core.services.deletion_runner import DeletionRunner
from core.services.erasure import ErasureService
from core.settings import Settings
from core.web.erasure_routes import erasure_routes

ERASURE_CHECK_SECONDS = 30.0  # ERASURE_GRACE_DAYS=0 erases within a minute
OUTBOX_SECONDS = 30.0


def deletion_runner(c: Container) -> DeletionRunner:
    return DeletionRunner(c.db, c.blobs, c.withheld, c.engine, c.clock, c.payments)


def erasure(c: Container) -> ErasureService:
    return ErasureService(
        c.db, c.clock, c.of(DeletionRunner), personal_data_map, grace_days=c.settings.erasure_grace_days
    )


def every_half_minute(settings: Settings) -> float:
    return min(ERASURE_CHECK_SECONDS, max(settings.worker_interval_seconds, 1.0))


PERSONAL_DATA = (
    PersonalData(
        "table:erasures",
        Category.REQUESTS,
        "Your account's erasure once asked for: when, and its receipt",
        "privacy_requests.csv",
        OnErasure.PSEUDONYMISE,
        5,
        erasure_steps.set_apart_erasure,
        count_rows("erasures"),
        reason="the erasure's receipt stays under its random reference, naming no one, so you can quote it",
    ),
)

CAPABILITY = Capability(
    name="erasure",
    services={ErasureService: erasure, DeletionRunner: deletion_runner},
    routes=(erasure_routes,),
    tasks=(
        PeriodicTask(
            "run due erasures", every_half_minute, lambda c: c.of(ErasureService).run_due(), "Erased %d accounts"
        ),
        PeriodicTask(
            "carry out owed deletions",
            lambda _settings: OUTBOX_SECONDS,
            lambda c: c.of(DeletionRunner).run(),
            "Carried out %d deletions owed to other systems",
        ),
    ),
    personal_data=PERSONAL_DATA,
)
