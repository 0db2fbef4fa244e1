"""The privacy queue: requests with deadlines, handled by staff (Admin → Privacy queue), what they run for a user
(the export, stored for the user to download; the erasure), the auditors' CSVs, and the map's entries and the
retention rule of the stored exports."""

from datetime import datetime

from core.container import Container
from core.personal_data import Category, ErasureContext, OnErasure, PersonalData, count_rows, delete_rows
from core.registry import Capability, RetentionRule
from core.services.auditor_csv import AuditorCsvService
from core.services.erasure import ErasureService
from core.services.privacy_export import PrivacyExportService
from core.services.privacy_fulfilment import PrivacyFulfilmentService
from core.services.privacy_queue import PrivacyQueueService
from core.services.stored_exports import PREFIX, StoredExportService, owe_user_exports
from core.settings import Settings
from core.signing import ExportSigner
from core.web.stored_export_routes import stored_export_routes


def queue(c: Container) -> PrivacyQueueService:
    s = c.settings
    return PrivacyQueueService(
        c.db, c.clock, response_days=s.privacy_response_days, urgent_hours=s.privacy_urgent_hours
    )


def stored(c: Container) -> StoredExportService:
    signer = ExportSigner(c.media_secret, c.clock)
    exports = c.of(PrivacyExportService)
    return StoredExportService(c.db, c.blobs, signer, c.clock, exports, retention_days=c.settings.export_retention_days)


def fulfilment(c: Container) -> PrivacyFulfilmentService:
    return PrivacyFulfilmentService(c.db, c.clock, c.of(StoredExportService), c.of(ErasureService))


def sweep_exports(c: Container, now: datetime) -> int:
    return c.of(StoredExportService).sweep(now)


def describe_exports(settings: Settings) -> str:
    return f"Exports an admin ran for a user, {settings.export_retention_days} days after they were made"


def owe_files(ctx: ErasureContext) -> int:
    return owe_user_exports(ctx.uow, ctx.user_id, ctx.now, ctx.reference)


PERSONAL_DATA = (
    PersonalData(
        f"blobs:{PREFIX}",
        Category.REQUESTS,
        "The files of exports we ran for you at your request, until you download them",
        "",
        OnErasure.DELETE,
        7,
        owe_files,
        reason="a copy of the export itself, made for you; everything in it is in the export already",
    ),
    PersonalData(
        "table:stored_exports",
        Category.REQUESTS,
        "Exports we ran for you at your request: when, how large, and until when you can download them",
        "",
        OnErasure.DELETE,
        8,
        delete_rows("stored_exports"),
        count_rows("stored_exports"),
        reason="the list of downloads made for you; the download itself is the export",
    ),
)

CAPABILITY = Capability(
    name="privacy_queue",
    services={
        PrivacyQueueService: queue,
        StoredExportService: stored,
        PrivacyFulfilmentService: fulfilment,
        AuditorCsvService: lambda c: AuditorCsvService(c.db, c.clock),
    },
    routes=(stored_export_routes,),
    personal_data=PERSONAL_DATA,
    retention=(RetentionRule("exports", describe_exports, sweep_exports),),
)
