"""What the policy pages show: each document's current and upcoming versions, the drafts not yet published, the
notice a user sees above every page, and their acknowledgements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from core.domain.policies import PolicyText


@dataclass(frozen=True)
class VersionView:
    """A version in force or published to come. `announced_at` is None for the version in force from the files
    alone (nothing published yet)."""

    policy: PolicyText
    effective: date
    announced_at: datetime | None = None
    acknowledged: int = 0  # how many users said OK to its announcement
    announcing: bool = False  # a material change whose emails are still being queued

    @property
    def version(self) -> str:
        return self.policy.version


@dataclass(frozen=True)
class DocumentStatus:
    document: str
    title: str
    current: VersionView
    upcoming: tuple[VersionView, ...]
    drafts: tuple[PolicyText, ...]  # files in POLICIES_DIR never published


@dataclass(frozen=True)
class PolicyNotice:
    """The banner above every page, from the announcement until the user says OK (or a while after the change)."""

    document: str
    title: str
    version: str
    effective: date
    summary: str
    in_effect: bool


@dataclass(frozen=True)
class Acknowledgement:
    title: str
    version: str
    at: datetime


@dataclass(frozen=True)
class Published:
    """What publishing did: the version, and how many users were emailed so far (the loop emails the rest)."""

    view: VersionView
    emailed: int
    announcing: bool
