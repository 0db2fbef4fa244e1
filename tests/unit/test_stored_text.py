"""The one validator for stored text: what it refuses and keeps, a property over any text, and the rule that
every text column says where its text comes from, so a later column written from user input cannot skip it."""

from __future__ import annotations

import ast
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import String
from sqlmodel import SQLModel

import db.tables  # noqa: F401  (registers every table)
from core.domain import GenerationKind
from core.errors import ValidationError
from core.stored_text import (
    EMAIL,
    TextRule,
    answer_rule,
    character_kind,
    collection_name_rule,
    display_name_rule,
    prompt_rule,
    reason_rule,
    refused_characters,
    request_rule,
    scrub,
)

ROOT = Path(__file__).resolve().parents[2]
RULES = [
    prompt_rule(GenerationKind.TEXT_TO_IMAGE, 300),
    collection_name_rule(),
    display_name_rule(),
    reason_rule(),
    request_rule(),
    answer_rule(),
    EMAIL,
]
# Text a user's input reaches, by column, and the module that cleans it before writing it (with what).
USER_TEXT = {
    "generations.prompt": ("core/services/validation.py", "prompt_rule"),
    "collections.name": ("core/services/collections.py", "collection_name_rule"),
    "collections.name_key": ("core/services/collections.py", "collection_name_rule"),
    "users.display_name": ("core/services/accounts.py", "display_name_rule"),
    "users.email": ("core/identity.py", "EMAIL"),
    "users.issuer": ("core/identity.py", "PROVIDER_IDENTITY"),
    "users.subject": ("core/identity.py", "PROVIDER_IDENTITY"),
    "users.provider_name": ("core/identity.py", "PROVIDER_NAME"),
    "users.avatar_url": ("core/identity.py", "_avatar"),
    "sign_ins.browser": ("core/identity.py", "checked_client"),
    "sign_ins.os": ("core/identity.py", "checked_client"),
    "sign_ins.ip_prefix": ("core/identity.py", "checked_client"),
    "ledger_entries.reason": ("core/services/admin.py", "reason_rule"),
    "generations.status_message": ("core/services/jobs.py", "scrub"),
    "privacy_requests.detail": ("core/services/privacy.py", "request_rule"),
    "privacy_requests.answer": ("core/services/privacy_queue.py", "answer_rule"),
    "lab_templates.name": ("core/services/lab.py", "NAME"),
    "lab_template_versions.prompt": ("core/services/lab.py", "TextRule"),
    "lab_template_versions.note": ("core/services/lab.py", "NOTE"),
    "lab_experiments.name": ("core/services/lab.py", "NAME"),
    "lab_ratings.comment": ("core/services/lab.py", "COMMENT"),
    "lab_cells.prompt": ("core/services/validation.py", "prompt_rule"),
    "lab_presets.name": ("core/services/presets.py", "PRESET_NAME"),
    "lab_presets.prompt": ("core/services/presets.py", "TextRule"),
    "privacy_requests.extension_reason": ("core/services/privacy_queue.py", "reason_rule"),
}
# Text no user types: made by the app, chosen from a fixed list, or a provider's reference (those are parsed at
# the payment boundary). db/text_guard.py still refuses any that holds a refused character.
MACHINE_TEXT = {
    "audit_log.action": "an action name from the code",
    "audit_log.subject": "an id the code writes (user:12)",
    "audit_log.details": "JSON, every character escaped",
    "users.role": "a Role",
    "shares.token": "secrets.token_urlsafe, made by the app (core/domain/shares.py checks its shape)",
    "generations.id": "the form token, 32 hex digits (check_token)",
    "generations.kind": "a GenerationKind",
    "generations.status": "a JobStatus",
    "generations.model": "a catalogue model id (GenerationService._model)",
    "generations.aspect_ratio": "one of the model's choices",
    "generations.output_format": "one of the model's choices",
    "generations.provider_request_id": "the engine's reference",
    "generations.lease_owner": "a random token",
    "generations.origin": "an Origin",
    "lab_axes.kind": "an AxisKind",
    "lab_axes.name": "a template variable's name (core/domain/lab.py's pattern), 'model' or an Input",
    "lab_experiments.model": "a catalogue model id (LabService._plan)",
    "lab_cells.model": "a catalogue model id (GenerationService.plan)",
    "lab_cells.generation_id": "a job id made by the code (uuid5 hex)",
    "lab_ratings.thumbs": "up, down or empty (LabService.rate)",
    "lab_presets.model": "a lab cell's model id",
    "lab_presets.status": "a PresetStatus",
    "generation_inputs.generation_id": "a job id",
    "ledger_entries.kind": "a ledger kind from the code",
    "ledger_entries.reference": "an id the code writes",
    "ledger_entries.idempotency_key": "made by the code from ids and tokens",
    "sign_ins.session_key": "a digest",
    "sign_ins.handoff_digest": "a digest",
    "ended_sessions.session_key": "a digest",
    "user_preferences.model": "a catalogue model id (save_preferences)",
    "user_preferences.aspect_ratio": "one of ASPECT_RATIOS",
    "user_preferences.output_format": "one of OUTPUT_FORMATS",
    "images.public_id": "random",
    "images.generation_id": "a job id",
    "images.source": "generated or upload",
    "images.blob_key": "made by the code",
    "images.thumb_key": "made by the code",
    "images.preview_key": "made by the code",
    "images.content_type": "sniffed from the bytes",
    "images.aspect": "one of ASPECT_RATIOS",
    "images.thumbhash": "base64",
    **{f"orders.{c}": "billing: the catalogue, the code, or a provider's reference" for c in (
        "public_id", "offer_id", "offer_name", "kind", "currency", "provider", "status", "checkout_ref",
        "checkout_url", "grant_ref", "payment_ref", "also_payment_ref", "dispute_status",
    )},
    **{f"plans.{c}": "billing: the catalogue, the code, or a provider's reference" for c in (
        "public_id", "offer_id", "offer_name", "currency", "provider", "subscription_ref", "status",
    )},
    **{f"payment_events.{c}": "a provider's event, parsed at the payment boundary" for c in (
        "provider", "event_id", "type", "state", "payment_ref",
    )},
    "consents.purpose": "a Purpose",
    "consents.policy_version": "a policy file's version, checked by its parser (core/domain/policies.py)",
    "consents.source": "where the change was made, from the code",
    "privacy_requests.reference": "random",
    "privacy_requests.kind": "a request kind from the code",
    "privacy_requests.status": "a request status from the code",
    "privacy_requests.channel": "a channel from the code",
    "privacy_requests.artifact": "a reference the code writes",
    "stored_exports.reference": "a privacy request's reference, random",
    "stored_exports.blob_key": "made by the code (exports/<reference>.zip)",
    "erasures.reference": "random",
    "erasures.status": "an erasure status from the code",
    "deletion_outbox.kind": "a deletion kind from the code",
    "deletion_outbox.target": "a blob key or an engine's reference",
    "deletion_outbox.erasure": "an erasure's reference",
    "deletion_outbox.last_error": "an exception's type name",
    "policy_publications.document": "a policy folder's name, checked by the parser (core/domain/policies.py)",
    "policy_publications.version": "a policy file's version, checked by the parser",
    "policy_acknowledgements.document": "a published policy's document, checked against the publications",
    "policy_acknowledgements.version": "a published policy's version, checked against the publications",
    "email_outbox.key": "the message's cause, written by the code",
    "email_outbox.recipient": "the account's address, already checked at sign-in (core/identity.py EMAIL)",
    "email_outbox.kind": "a message kind from the code",
    "email_outbox.purpose": "a message purpose from the code",
    "email_outbox.subject": "a template from the code, filled with checked facts",
    "email_outbox.body": "a template from the code, filled with checked facts (a user's words went through their rule)",
    "email_outbox.status": "an outbox status from the code",
    "email_outbox.last_error": "an exception's type name or an SMTP reply code",
    "key_rotations.current_key": "a key's id from ENCRYPTION_KEYS, checked by core/keyring.py",
    "task_runs.name": "a PeriodicTask's name from the code",
    "task_runs.owner": "the worker's host, process id and a random tail (core/worker/loop.py)",
    "safety_reviews.public_id": "random",
    "safety_reviews.generation_id": "a job id",
    "safety_reviews.blob_key": "made by the code",
    "safety_reviews.content_type": "sniffed from the bytes",
    "safety_reviews.status": "a review status from the code",
    "erasures.cause": "an erasure cause from the code",
    "retention_runs.trigger": "a Trigger",
    "retention_runs.status": "a RunStatus",
    "retention_runs.error": "rule names and exception type names",
    "retention_orphans.store": "a blob source's name from the code",
    "retention_orphans.key": "a blob key the store listed, of a shape the code wrote",
}  # fmt: skip


def text_columns() -> set[str]:
    return {
        f"{table.name}.{column.name}"
        for table in SQLModel.metadata.sorted_tables
        for column in table.columns
        if isinstance(getattr(column.type, "impl", column.type), String)
    }


def test_every_text_column_says_whether_a_users_input_reaches_it() -> None:
    """A new text column fails here until it is listed: as user text, with the validator its writer uses, or as
    machine text, with the reason no user types it."""
    assert text_columns() - set(USER_TEXT) - set(MACHINE_TEXT) == set()
    assert set(USER_TEXT) & set(MACHINE_TEXT) == set()
    assert (set(USER_TEXT) | set(MACHINE_TEXT)) - text_columns() == set()  # nothing listed that has gone


@pytest.mark.parametrize("column", sorted(USER_TEXT))
def test_the_writer_of_each_user_text_column_uses_the_validator(column: str) -> None:
    module, rule = USER_TEXT[column]
    tree = ast.parse((ROOT / module).read_text())
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    used |= {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    assert rule in used, f"{module} writes {column} but never uses {rule}"


@pytest.mark.parametrize(
    ("char", "kind"),
    [
        ("\x00", "control"), ("\x1b", "control"), ("\x7f", "control"), ("\x85", "control"), ("\u2029", "control"),
        ("\u202a", "direction"), ("\u202e", "direction"), ("\u2066", "direction"), ("\u2069", "direction"),
        ("\u200e", "direction"), ("\u200f", "direction"), ("\u061c", "direction"),
        ("\u200b", "zero-width"), ("\u200c", "zero-width"), ("\u200d", "zero-width"), ("\u2060", "zero-width"),
        ("\ufeff", "zero-width"), ("\u00ad", "format"), ("\U000e0041", "format"),
        ("\ud800", "not-text"), ("\udfff", "not-text"), ("\ue000", "not-text"), ("\U000f0000", "not-text"),
        ("\ufdd0", "not-text"), ("\ufffe", "not-text"), ("\U0001ffff", "not-text"),
        ("a", None), ("é", None), ("\u0301", None), ("\U0001f431", None), ("\ufe0f", None), ("ß", None),
        (" ", None), ("\u00a0", None), ("\n", None), ("\t", None),
    ],
)  # fmt: skip
def test_each_character_is_kept_or_refused_for_its_reason(char: str, kind: str | None) -> None:
    assert character_kind(char) == kind


def test_line_breaks_and_tabs_only_in_a_field_of_several_lines() -> None:
    assert prompt_rule(GenerationKind.TEXT_TO_IMAGE).clean(" a\r\nb\tc \n") == "a\nb\tc"
    assert collection_name_rule().clean(" a\r\nb\tc \n") == "a b c"
    assert refused_characters("a\nb", multiline=False) == ("control", ["\n"])


def test_a_refusal_names_the_field_the_characters_and_what_to_do() -> None:
    with pytest.raises(ValidationError) as refused:
        collection_name_rule().clean("a\u202eb\u202dc\u202ed\u2066e\u2067")
    assert str(refused.value) == (
        "The collection name contains characters that change the direction of text (U+202E, U+202D, U+2066), "
        "which can make it read differently from what is stored. Remove them and try again."
    )
    with pytest.raises(ValidationError, match=r"^The reason is 301 characters long; the limit is 300\."):
        reason_rule().clean("x" * 301)
    with pytest.raises(ValidationError, match=r"^Give a reason of 3 to 300 characters; the user sees it\.$"):
        reason_rule().clean(" a \u00a0 \t ")


def test_an_emoji_made_with_a_zero_width_joiner_is_kept_and_a_hidden_joiner_between_letters_is_not() -> None:
    emoji = "👩‍💻 at a desk, 👨‍👩‍👧 on a beach, 🏳️‍🌈, 👩🏽‍🚀"
    assert prompt_rule(GenerationKind.TEXT_TO_IMAGE).clean(emoji) == emoji
    assert collection_name_rule().clean("👩‍💻 Work") == "👩‍💻 Work"
    for hidden in ("ad\u200dmin", "👍\u200d", "\u200d👍", "👍\u200d x"):
        with pytest.raises(ValidationError, match="zero-width"):
            collection_name_rule().clean(hidden)


def test_scrub_drops_what_cannot_be_stored_and_keeps_the_rest() -> None:
    assert scrub("step 3\x00 of\u202e 5\n\tdone\ud800", 500) == "step 3 of 5\n\tdone"
    assert scrub("x" * 600, 500) == "x" * 500


any_text = st.text(st.characters(codec=None, blacklist_categories=()), max_size=120)


@settings(max_examples=400, deadline=None)
@given(text=any_text, rule=st.sampled_from(RULES))
def test_any_text_is_either_refused_with_a_message_or_stored_clean(text: str, rule: TextRule) -> None:
    try:
        kept = rule.clean(text)
    except ValidationError as refusal:
        message = str(refusal)
        assert message == rule.empty or message.startswith(f"The {rule.noun} ")
        return
    assert refused_characters(kept, multiline=rule.multiline) is None
    assert rule.min_chars <= len(kept) <= rule.max_chars
    assert kept == kept.strip() and unicodedata.is_normalized("NFC", kept)
    assert rule.clean(kept) == kept  # cleaning is stable: what is stored passes again as it is
