"""Domain types shared by services, ports and pages: enums, requests and read models (DTOs), one module per concept."""

from core.domain.accounts import Preferences, Role, SignedIn, SignInView, UserView
from core.domain.admin import AdminUserRow, AuditEntryView, AuditFilter
from core.domain.generation import (
    ASPECT_RATIOS,
    MAX_IMAGES_PER_JOB,
    MAX_PROMPT_CHARS,
    OUTPUT_FORMATS,
    EngineOutput,
    EngineRequest,
    EngineState,
    EngineStatus,
    FormLimits,
    GenerationForm,
    GenerationKind,
    GenerationView,
    ImageView,
    JobStatus,
    ModelInfo,
)
from core.domain.ledger import LedgerEntryView, StatementRow
from core.domain.paging import HasId, Page, keyset_page

__all__ = [
    "ASPECT_RATIOS",
    "AdminUserRow",
    "AuditEntryView",
    "AuditFilter",
    "EngineOutput",
    "EngineRequest",
    "EngineState",
    "EngineStatus",
    "FormLimits",
    "GenerationForm",
    "GenerationKind",
    "GenerationView",
    "HasId",
    "ImageView",
    "JobStatus",
    "LedgerEntryView",
    "MAX_IMAGES_PER_JOB",
    "MAX_PROMPT_CHARS",
    "ModelInfo",
    "OUTPUT_FORMATS",
    "Page",
    "Preferences",
    "Role",
    "SignInView",
    "SignedIn",
    "StatementRow",
    "UserView",
    "keyset_page",
]
