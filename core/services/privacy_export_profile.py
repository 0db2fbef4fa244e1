"""profile.json of the privacy centre's export of everything: the account, its preferences, collections and
plans, where the data is stored and under which policy. Small, so it is made in memory."""

from __future__ import annotations

import json
from datetime import datetime

from core.domain.export import iso_utc
from core.domain.privacy_export import SCHEMA, optional_utc
from db.repositories.drafts import DraftRepository
from db.repositories.privacy_export import PrivacyExportRepository
from db.tables import User
from db.uow import UnitOfWork


def profile(uow: UnitOfWork, user: User, issued_at: datetime, region: str, policy_version: str) -> bytes:
    """profile.json: the account, its preferences, collections and plans, where it is stored, under which policy."""
    assert user.id is not None
    repo = uow.of(PrivacyExportRepository)
    prefs = uow.users.preferences(user.id)
    document = {
        "schema": SCHEMA,
        "document": "profile",
        "exported_at": iso_utc(issued_at),
        "policy_version": policy_version,
        "storage_region": region,
        "account": {
            "user_id": user.id,
            "email": user.email,
            "email_verified": user.email_verified,
            "display_name": user.display_name,
            "provider_name": user.provider_name,
            "avatar_url": user.avatar_url,
            "role": user.role,
            "credit_balance": user.balance,
            "created_at": iso_utc(user.created_at),
            "last_sign_in_at": optional_utc(user.last_sign_in_at),
        },
        "preferences": None
        if prefs is None
        else {
            "model": prefs.model,
            "aspect_ratio": prefs.aspect_ratio,
            "output_format": prefs.output_format,
            "num_images": prefs.num_images,
            "updated_at": iso_utc(prefs.updated_at),
        },
        "generate_draft": _draft(uow, user.id),
        "collections": [
            {"name": c.name, "created_at": iso_utc(c.created_at), "image_public_ids": ids}
            for c, ids in repo.collections(user.id)
        ],
        "plans": [
            {
                "public_id": p.public_id,
                "offer": p.offer_name,
                "credits": p.credits,
                "amount": p.amount,
                "currency": p.currency,
                "provider": p.provider,
                "status": p.status,
                "period_end": optional_utc(p.period_end),
                "created_at": iso_utc(p.created_at),
                "ended_at": optional_utc(p.ended_at),
            }
            for p in repo.plans(user.id)
        ],
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _draft(uow: UnitOfWork, user_id: int) -> dict[str, object] | None:
    """The Generate page's draft as it is kept (the prompt and settings not yet sent), or None."""
    row = uow.of(DraftRepository).get(user_id)
    return None if row is None else {"draft": row.data, "updated_at": iso_utc(row.updated_at)}
