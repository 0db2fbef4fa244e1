"""Accounts: who a user is (issuer and subject), their sign-ins and their preferences."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.tables.base import NEVER_REUSE_IDS, utcnow


class User(SQLModel, table=True):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_users_issuer_subject"), NEVER_REUSE_IDS)

    id: int | None = Field(default=None, primary_key=True)
    # The identity: the provider's issuer and its subject for this person. Never the email.
    issuer: str = Field(max_length=300)
    subject: str = Field(max_length=300)
    # From the provider's token, refreshed at each sign-in, so a changed address is picked up.
    email: str = Field(max_length=320, index=True)
    email_verified: bool = False
    provider_name: str = Field(default="", max_length=200)
    avatar_url: str = Field(default="", max_length=1000)
    # What the user chose to be called (rectification); empty means the provider's name.
    display_name: str = Field(default="", max_length=200)
    role: str = Field(default="user", max_length=20)
    # Cached sum of the user's ledger, changed only in the transaction that adds the ledger row.
    balance: int = 0
    # Raised by "sign out everywhere else": sign-ins recorded under an older version no longer count.
    session_version: int = 0
    last_sign_in_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class SignIn(SQLModel, table=True):
    """One sign-in: the session every tab of that browser shares, and the security event the user sees."""

    __tablename__ = "sign_ins"
    __table_args__ = (Index("ix_sign_ins_user_id_created_at", "user_id", "created_at"), NEVER_REUSE_IDS)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    session_key: str = Field(max_length=64, unique=True)  # a digest of the token's identity, never the token
    session_version: int = 0
    issued_at: datetime
    ip_prefix: str = Field(default="", max_length=50)  # /24 or /48, never the full address
    browser: str = Field(default="", max_length=60)
    os: str = Field(default="", max_length=60)
    ended_at: datetime | None = None
    # Development sign-in only: a digest of the one-time token that hands this sign-in to the
    # browser as a cookie, and until when it may be used. Cleared when used.
    handoff_digest: str | None = Field(default=None, max_length=64, index=True)
    handoff_until: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow, index=True)


class UserPreferences(SQLModel, table=True):
    """What the Generate page starts from."""

    __tablename__ = "user_preferences"

    user_id: int = Field(foreign_key="users.id", primary_key=True)
    model: str = Field(default="", max_length=100)
    aspect_ratio: str = Field(default="1:1", max_length=10)
    output_format: str = Field(default="jpeg", max_length=10)
    num_images: int = 1
    updated_at: datetime = Field(default_factory=utcnow)


class EndedSession(SQLModel, table=True):
    """A sign-in of an erased account, by its digest only, kept until the token it stands for has expired: the
    provider's cookie outlives the account, and must not quietly sign its holder up again."""

    __tablename__ = "ended_sessions"

    session_key: str = Field(primary_key=True, max_length=64)  # a digest of the token's identity, never the token
    until: datetime = Field(index=True)
