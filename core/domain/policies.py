"""Policy documents: the versioned files in POLICIES_DIR (`<document>/<version>.md`, TOML front matter between
`+++` lines, then the Markdown text), read by one typed parser; the notice rule of a material change; the diff
between two versions."""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.errors import ConfigurationError

FENCE = "+++"
NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")  # a document's folder
VERSION = r"^[0-9A-Za-z][0-9A-Za-z.-]{0,19}$"  # fits consents.policy_version
PRIVACY_POLICY = "privacy-policy"


class FrontMatter(BaseModel):
    """What each policy file says about itself."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1, max_length=80)
    version: str = Field(pattern=VERSION)
    effective: date  # the date the file proposes; a publication may set a later one
    material: bool  # True: it changes what users agreed to, and needs the notice period
    summary: str = Field(min_length=1, max_length=1000)  # what changes, in the words users read


@dataclass(frozen=True)
class PolicyText:
    """One version of one document, as its file has it."""

    document: str
    title: str
    version: str
    effective: date
    material: bool
    summary: str
    text: str


def parse_policy(document: str, path: Path, content: str) -> PolicyText:
    """One file's content; a ConfigurationError naming the file and what is wrong with it."""
    lines = content.splitlines()
    if not lines or lines[0].strip() != FENCE or FENCE not in (line.strip() for line in lines[1:]):
        raise ConfigurationError(f"{path}: starts with no front matter (a block between two '{FENCE}' lines).")
    end = next(i for i, line in enumerate(lines) if i > 0 and line.strip() == FENCE)
    try:
        front = FrontMatter.model_validate(tomllib.loads("\n".join(lines[1:end])))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{path}: its front matter is not valid TOML: {exc}.") from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'front matter'}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigurationError(f"{path}: {problems}.") from None
    if front.version != path.stem:
        raise ConfigurationError(f"{path}: its version is {front.version!r}, but the file is named {path.stem!r}.")
    text = "\n".join(lines[end + 1 :]).strip()
    if not text:
        raise ConfigurationError(f"{path}: has no text after its front matter.")
    return PolicyText(document, front.title, front.version, front.effective, front.material, front.summary, text)


@dataclass(frozen=True)
class PolicyLibrary:
    """Every version of every document, each document's versions oldest first."""

    documents: dict[str, tuple[PolicyText, ...]]

    def versions(self, document: str) -> tuple[PolicyText, ...]:
        return self.documents.get(document, ())

    def find(self, document: str, version: str) -> PolicyText | None:
        return next((p for p in self.versions(document) if p.version == version), None)

    def baseline(self, document: str) -> PolicyText:
        """The version in force before anything was published: the document's oldest file."""
        return self.versions(document)[0]


def load_policies(folder: Path) -> PolicyLibrary:
    """Every `<document>/<version>.md` under `folder`; a missing folder, a bad name or a bad file stops the start."""
    if not folder.is_dir():
        raise ConfigurationError(f"POLICIES_DIR {folder} is not a folder.")
    documents: dict[str, tuple[PolicyText, ...]] = {}
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        if not NAME.match(sub.name):
            raise ConfigurationError(f"{sub}: a document's folder is named in lower case, digits and '-'.")
        found = [parse_policy(sub.name, path, path.read_text(encoding="utf-8")) for path in sorted(sub.glob("*.md"))]
        if found:
            documents[sub.name] = tuple(sorted(found, key=lambda p: (p.effective, p.version)))
    if PRIVACY_POLICY not in documents:
        raise ConfigurationError(f"{folder}: holds no {PRIVACY_POLICY}/<version>.md, which consents are given under.")
    return PolicyLibrary(documents)


def earliest_effective(announced: datetime, notice_days: int, material: bool) -> date:
    """The first day a change announced at `announced` may take effect: a material one after `notice_days` whole
    calendar days (UTC), any other at once."""
    today = announced.astimezone(UTC).date()
    return today + timedelta(days=notice_days) if material else today


def start_of(day: date) -> datetime:
    """A policy takes effect at 00:00 UTC of its effective date."""
    return datetime.combine(day, time(0), tzinfo=UTC)


class DiffMark(StrEnum):
    SAME = "same"
    ADDED = "added"
    REMOVED = "removed"


@dataclass(frozen=True)
class DiffLine:
    mark: DiffMark
    text: str

    @property
    def sign(self) -> str:
        return {DiffMark.ADDED: "+", DiffMark.REMOVED: "-", DiffMark.SAME: " "}[self.mark]


def diff(old: str, new: str, context: int = 2) -> list[DiffLine]:
    """The lines that change from `old` to `new`, with `context` lines around each change; "..." between parts."""
    lines: list[DiffLine] = []
    found = difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=context)
    for raw in list(found)[2:]:  # after the two lines that name the files
        if raw.startswith("@@"):
            if lines:
                lines.append(DiffLine(DiffMark.SAME, "..."))
            continue
        mark = {"+": DiffMark.ADDED, "-": DiffMark.REMOVED}.get(raw[:1], DiffMark.SAME)
        lines.append(DiffLine(mark, raw[1:]))
    return lines
