"""Policy files for tests: a folder of documents written the way assets/policies holds them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

BASE_TEXT = "# Privacy policy\n\nWe hold your email address.\n\nWe answer within 30 days.\n"
NEW_TEXT = "# Privacy policy\n\nWe hold your email address.\n\nYour images are stored encrypted.\n\nWe answer within 30 days.\n"


def policy_file(
    version: str,
    *,
    effective: date | None = None,
    material: bool = True,
    summary: str = "What changes.",
    text: str = "",
) -> str:
    day = effective or date.fromisoformat(version[:10])
    return (
        f'+++\ntitle = "Privacy policy"\nversion = "{version}"\neffective = {day.isoformat()}\n'
        f'material = {"true" if material else "false"}\nsummary = "{summary}"\n+++\n{text or BASE_TEXT}'
    )


def write_policies(folder: Path, files: dict[str, str]) -> Path:
    """`files` maps "<document>/<version>.md" to its content; returns the folder."""
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    return folder


def library_folder(folder: Path) -> Path:
    """A privacy policy in force since 1 December 2026, a material draft and a correction that is not material."""
    return write_policies(
        folder,
        {
            "privacy-policy/2026-12-01.md": policy_file("2026-12-01", summary="The first version."),
            "privacy-policy/2027-02-01.md": policy_file(
                "2027-02-01", summary="Images are stored encrypted.", text=NEW_TEXT
            ),
            "privacy-policy/2027-02-01.1.md": policy_file(
                "2027-02-01.1", effective=date(2027, 2, 1), material=False, summary="A typo.", text=NEW_TEXT
            ),
        },
    )
