"""The words of every email: a subject and a plain-text body per kind, filled in with the facts of its cause, and
a closing line that says why the user gets it (core/domain/email.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from core.domain.email import PURPOSES, MessageKind, MessagePurpose


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


TEMPLATES: dict[MessageKind, tuple[str, str]] = {
    MessageKind.ERASURE_SCHEDULED: (
        "Your Atelier account will be erased on {erase_after}",
        "You asked us to erase your Atelier account. It will be erased on {erase_after}, together with everything "
        'it holds.\n\nChanged your mind? Sign in before then and choose "Keep my account".\n\n'
        "Receipt reference: {reference}",
    ),
    MessageKind.ERASURE_DONE: (
        "Your Atelier account has been erased",
        "Your Atelier account and everything it held have been erased. Quote this reference if you ever need "
        "to ask us about it: {reference}",
    ),
    MessageKind.REQUEST_RECEIVED: (
        "We received your privacy request {reference}",
        "We received your request ({what}) and will answer by {due}.\n\nReference: {reference}",
    ),
    MessageKind.REQUEST_EXTENDED: (
        "Your privacy request {reference} needs more time",
        "We need more time to answer your request ({what}). We will answer by {due}.\n\nWhy: {reason}\n\n"
        "Reference: {reference}",
    ),
    MessageKind.REQUEST_COMPLETED: (
        "Your privacy request {reference} is answered",
        "Your request ({what}) is {outcome}.\n\n{answer}\n\nYou can read it in your privacy centre.\n\n"
        "Reference: {reference}",
    ),
    MessageKind.RETENTION_WARNING: (
        "Your Atelier account will be erased on {erase_after} unless you sign in",
        "Nobody has signed in to your Atelier account since {last_sign_in}. We keep inactive accounts for "
        "{inactive_days} days, so it will be erased on {erase_after}, with everything it holds.\n\n"
        "To keep it, just sign in before then. To keep your images, download them first from your privacy centre.",
    ),
    MessageKind.POLICY_CHANGE: (
        "Our {document} changes on {effective}",
        "Our {document} changes on {effective} (version {version}).\n\nWhat changes:\n{summary}\n\n"
        "Read the new version and the changes in your privacy centre.",
    ),
    MessageKind.CONSENT_CHANGED: (
        "Your privacy choice changed: {choice}",
        'Your privacy choice "{choice}" is now {value}. If you did not make this change, sign in and check your '
        "privacy centre, and tell us.",
    ),
}

WHY: dict[MessagePurpose, str] = {
    MessagePurpose.LEGAL: "We are required by law to send you this message, so it is sent whatever your email "
    "choices are.",
    MessagePurpose.ACCOUNT: "You get this message because it is about your own account and requests. While you "
    "restrict processing of your data we send only the messages the law requires.",
    MessagePurpose.PRODUCT: "You get this message because you chose to receive product emails. Switch them off in "
    "your privacy centre at any time.",
}


def render(kind: MessageKind, facts: Mapping[str, str]) -> Rendered:
    """The message, filled in. Raises KeyError naming a fact the template needs and was not given."""
    subject, body = TEMPLATES[kind]
    why = WHY[PURPOSES[kind]]
    return Rendered(subject.format_map(facts)[:200], f"{body.format_map(facts)}\n\n-- \n{why}\n")


def day_text(moment: datetime) -> str:
    """A day as a message says it, in UTC: "29 February 2028"."""
    day = moment.astimezone(UTC) if moment.tzinfo else moment
    return f"{day.day} {day:%B %Y}"
