"""SQLModel tables, one module per concept. Alembic owns the schema; these classes describe it to the ORM."""

from db.tables.audit import AuditEntry
from db.tables.base import NEVER_REUSE_IDS, utcnow
from db.tables.billing import Order, PaymentEventRecord, Plan
from db.tables.collections import Collection, CollectionImage
from db.tables.drafts import GenerateDraft
from db.tables.email import OutboxMessage
from db.tables.encryption import KeyRotation
from db.tables.generations import Generation, GenerationInput, Image
from db.tables.lab import LabAxis, LabCell, LabExperiment, LabPreset, LabRating, LabTemplate, LabTemplateVersion
from db.tables.ledger import LedgerEntry
from db.tables.policies import PolicyAcknowledgement, PolicyPublication
from db.tables.privacy import ConsentRecord, Erasure, PendingDeletion, PrivacyRequest, SafetyReview
from db.tables.retention import OrphanBlob, RetentionRun
from db.tables.shares import Share
from db.tables.stored_exports import StoredExport
from db.tables.task_runs import TaskRun
from db.tables.users import EndedSession, SignIn, User, UserPreferences

__all__ = [
    "NEVER_REUSE_IDS",
    "AuditEntry",
    "Collection",
    "CollectionImage",
    "ConsentRecord",
    "EndedSession",
    "Erasure",
    "GenerateDraft",
    "Generation",
    "GenerationInput",
    "Image",
    "KeyRotation",
    "LabAxis",
    "LabCell",
    "LabExperiment",
    "LabPreset",
    "LabRating",
    "LabTemplate",
    "LabTemplateVersion",
    "LedgerEntry",
    "Order",
    "OrphanBlob",
    "OutboxMessage",
    "PaymentEventRecord",
    "PendingDeletion",
    "Plan",
    "PolicyAcknowledgement",
    "PolicyPublication",
    "PrivacyRequest",
    "RetentionRun",
    "SafetyReview",
    "Share",
    "SignIn",
    "StoredExport",
    "TaskRun",
    "User",
    "UserPreferences",
    "utcnow",
]
