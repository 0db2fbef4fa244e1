"""The Generate page's draft in the database, on SQLite and PostgreSQL: kept per user, replaced by the next save,
in the user's export, and gone with the account."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from starlette.applications import Starlette
from starlette.testclient import TestClient

from core.domain import GenerationKind
from core.domain.studio_draft import StudioDraft
from core.services.drafts import DraftService
from core.services.erasure import ErasureService
from core.services.privacy_export import PrivacyExportService
from core.web.export_routes import export_routes
from core.web.privacy_export_routes import privacy_export_routes
from tests.export_support import unzip
from tests.factories import MovableClock, make_container, sign_up

SCHEMA = json.loads((Path(__file__).parents[2] / "docs" / "privacy-export.schema.json").read_text())

CREATE = GenerationKind.TEXT_TO_IMAGE


def draft(text: str) -> StudioDraft:
    return StudioDraft(CREATE, {CREATE: text}, {CREATE: "offline-draw"}, {"num_images": 2})


def test_each_user_gets_back_their_own_latest_draft(tmp_path, database_url) -> None:
    c = make_container(tmp_path, database_url)
    alice, bob = sign_up(c, "alice@example.com"), sign_up(c, "bob@example.com")
    drafts = c.of(DraftService)
    assert drafts.load(alice) is None
    drafts.save(alice, draft("a first idea"))
    drafts.save(alice, draft("a better idea"))
    drafts.save(bob, draft("bob's own"))
    assert drafts.load(alice) == draft("a better idea")
    assert drafts.load(bob) == draft("bob's own")


def test_new_account_defaults_clear_the_drafts_settings_and_keep_its_words(tmp_path, database_url) -> None:
    c = make_container(tmp_path, database_url)
    alice = sign_up(c, "alice@example.com")
    drafts = c.of(DraftService)
    drafts.save(alice, draft("a lighthouse at dusk"))
    drafts.forget_settings(alice)  # the Account page saved new defaults
    assert drafts.load(alice) == StudioDraft(CREATE, {CREATE: "a lighthouse at dusk"})


def test_the_draft_is_in_the_export_and_goes_with_the_account(tmp_path, database_url) -> None:
    c = make_container(tmp_path, database_url, clock=MovableClock(), erasure_grace_days=0)
    user = sign_up(c, "erin@example.com")
    c.of(DraftService).save(user, draft("not sent yet"))
    client = TestClient(Starlette(routes=[*privacy_export_routes(lambda: c), *export_routes(lambda: c)]))
    archive = unzip(client.get(c.of(PrivacyExportService).link(user)).content)
    profile = json.loads(archive.read("profile.json"))
    jsonschema.validate(profile, SCHEMA, format_checker=jsonschema.FormatChecker())
    assert profile["generate_draft"]["draft"]["texts"] == {"text_to_image": "not sent yet"}
    c.of(ErasureService).schedule(user, "erin@example.com")
    assert c.of(ErasureService).run_due() == 1
    assert c.of(DraftService).load(user) is None
