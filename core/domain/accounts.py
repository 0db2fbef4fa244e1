"""Accounts: roles, users, sign-ins and their preferences."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    """What a user may open. Each role includes the ones before it: user < team < admin."""

    USER = "user"
    TEAM = "team"
    ADMIN = "admin"

    def includes(self, other: Role) -> bool:
        order = list(Role)
        return order.index(self) >= order.index(other)


@dataclass(frozen=True)
class UserView:
    id: int
    email: str
    display_name: str
    role: Role
    balance: int
    session_version: int = 0
    avatar_url: str = ""

    def has_role(self, role: Role) -> bool:
        return self.role.includes(role)


@dataclass(frozen=True)
class SignedIn:
    """The guard's answer: who this browser's sign-in is, and which sign-in (to end it, or keep it)."""

    user: UserView
    session_key: str


@dataclass(frozen=True)
class SignInView:
    created_at: datetime
    ip_prefix: str
    browser: str
    os: str
    current: bool  # the sign-in of the browser asking
    active: bool  # still counts: not signed out, not ended by "sign out everywhere else", not expired


@dataclass(frozen=True)
class Preferences:
    """What the Generate page starts from. An empty model means the engine's first one."""

    model: str = ""
    aspect_ratio: str = "1:1"
    output_format: str = "jpeg"
    num_images: int = 1
