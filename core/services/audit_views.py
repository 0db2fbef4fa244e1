"""The audit log as people read it: a subject by its user's current email, the details as key: value pairs.

The log itself keeps ids and JSON (core.services.audit), so it stays true after an account is
erased and the CSV export stays machine-readable; only the page's view is rewritten here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import replace

from core.domain import AuditEntryView

USER_SUBJECT = re.compile(r"user:([0-9]{1,18})")


def subject_user_ids(subjects: Iterable[str]) -> set[int]:
    """The users these subjects name ("user:12"), to look their emails up in one query."""
    return {int(match[1]) for subject in subjects if (match := USER_SUBJECT.fullmatch(subject))}


def shown(view: AuditEntryView, emails: dict[int, str]) -> AuditEntryView:
    """The entry as people read it: the subject by its user's email (or saying the user is gone), the details
    as key: value pairs rather than JSON."""
    subject = view.subject
    if match := USER_SUBJECT.fullmatch(subject):
        user_id = int(match[1])
        subject = emails.get(user_id) or f"user #{user_id} (deleted)"
    return replace(view, subject_shown=subject, details_shown=tuple(_pairs(view.details)))


def _pairs(details: str) -> list[tuple[str, str]]:
    try:
        found = json.loads(details)
    except ValueError:
        return [("details", details)] if details else []
    if not isinstance(found, dict):
        return [("details", _value(found))]
    return _flatten(found, "")


def _flatten(values: dict[str, object], prefix: str) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            pairs += _flatten(value, f"{name}.")
        else:
            pairs.append((name, _value(value)))
    return pairs


def _value(value: object) -> str:
    if value is None or value == {} or value == []:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_value(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
