"""Repositories, one module per concept. They never commit; the unit of work does."""

from db.repositories.audit import AuditQuery, AuditRepository
from db.repositories.billing import BillingRepository
from db.repositories.collections import CollectionRepository
from db.repositories.exports import ExportRepository
from db.repositories.generations import GenerationRepository
from db.repositories.images import ImageRepository
from db.repositories.ledger import LedgerRepository
from db.repositories.sign_ins import SignInRepository
from db.repositories.users import UserRepository, UserRow

__all__ = [
    "AuditQuery",
    "AuditRepository",
    "BillingRepository",
    "CollectionRepository",
    "ExportRepository",
    "GenerationRepository",
    "ImageRepository",
    "LedgerRepository",
    "SignInRepository",
    "UserRepository",
    "UserRow",
]
