"""A new account can make its first images: the starter grant pays for three of the default model at the engine's own
prices. Production refuses to start with a smaller grant and names the numbers; development warns and carries on."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import SQLModel

from core.adapters.memory_blobs import InMemoryBlobStore
from core.adapters.offline import OfflineImageEngine
from core.bootstrap import Container, bootstrap
from core.catalogue import load_catalogue
from core.domain import GenerationKind, ModelInfo, Price
from core.errors import ConfigurationError
from core.pricing import one_image, price_label, starter_shortfall
from core.settings import load_settings
from db.engine import make_engine
from db.uow import Database

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = load_catalogue(ROOT / "assets" / "fal_models.toml")
OIDC = {
    "redirect_uri": "https://atelier.example.com/oauth2callback",
    "cookie_secret": "c" * 40,
    "google": {
        "client_id": "atelier.apps.googleusercontent.com",
        "client_secret": "not-a-real-secret",
        "server_metadata_url": "https://accounts.google.com/.well-known/openid-configuration",
    },
}
PRODUCTION = {
    "app_env": "production",
    "image_engine": "fal",
    "fal_key": "fal-test-key",
    "media_secret": "m" * 40,
    "database_url": "postgresql+psycopg://db/atelier",
    "auth_mode": "oidc",
    "auth": OIDC,
    "payment_providers": "stripe",
    "stripe_secret_key": "sk_live_not_real",
    "stripe_webhook_secret": "whsec_not_real",
    "mailer": "smtp",
    "smtp_host": "smtp.example.com",
}
DEVELOPMENT = {"app_env": "development", "image_engine": "fal", "fal_key": "fal-test-key", "auth": {}}


def start(tmp_path: Path, **values: Any) -> Container:
    """The composition root as the server runs it at start, over an in-memory database, with the shipped catalogue."""
    settings = load_settings(data_dir=tmp_path, fal_models_file=ROOT / "assets" / "fal_models.toml", **values)
    db = Database(make_engine("sqlite://"))
    SQLModel.metadata.create_all(db.engine)
    return bootstrap(settings, db=db, blobs=InMemoryBlobStore(), payments={})


def test_the_default_starter_grant_pays_for_three_images_of_the_default_model_with_fal_and_offline(
    tmp_path: Path,
) -> None:
    default = load_settings(auth={}).starter_credits
    assert SHIPPED[0].label == "FLUX.1 Kontext [pro]" and one_image(SHIPPED[0]) == 40
    assert default >= 3 * 40
    assert starter_shortfall(SHIPPED, default) == ""
    offline = OfflineImageEngine(tmp_path, 0, credits_per_image=load_settings(auth={}).credits_per_image)
    assert starter_shortfall(offline.models(), default) == ""


def test_production_refuses_to_start_with_a_starter_grant_too_small_for_three_images_and_names_the_numbers(
    tmp_path: Path,
) -> None:
    with pytest.raises(ConfigurationError) as refused:
        start(tmp_path, **PRODUCTION, starter_credits=20)
    message = str(refused.value)
    assert "STARTER_CREDITS is 20" in message
    assert "FLUX.1 Kontext [pro]" in message and "40 credits each" in message
    assert "at least 120" in message


def test_production_starts_with_a_grant_of_exactly_three_images(tmp_path: Path) -> None:
    assert start(tmp_path, **PRODUCTION, starter_credits=120).settings.starter_credits == 120


def test_development_warns_about_a_small_grant_and_gives_it_as_asked(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="core.bootstrap"):
        c = start(tmp_path, **DEVELOPMENT, starter_credits=20)
    [warning] = [r.getMessage() for r in caplog.records if r.name == "core.bootstrap"]
    assert "STARTER_CREDITS is 20" in warning and "at least 120" in warning
    assert c.accounts.sign_in_local("newcomer@example.com").user.balance == 20


def test_development_says_nothing_when_the_grant_is_enough(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="core.bootstrap"):
        start(tmp_path, **DEVELOPMENT, starter_credits=120)
    assert [r for r in caplog.records if r.name == "core.bootstrap"] == []


def megapixel_model(first: int, further: int) -> ModelInfo:
    return ModelInfo("mp", "By the megapixel", GenerationKind.TEXT_TO_IMAGE, price=Price(0, first, further))


def test_the_default_model_is_the_first_text_to_image_model_priced_at_its_own_defaults() -> None:
    edit = ModelInfo("edit", "Editor", GenerationKind.EDIT, price=Price(per_image=500))
    assert starter_shortfall([edit, megapixel_model(25, 25)], 75) == ""  # 1024² by default: one megapixel each
    assert "at least 75" in starter_shortfall([edit, megapixel_model(25, 25)], 74)
    assert starter_shortfall([edit], 0) == ""  # no text-to-image model: nothing to make first


@pytest.mark.parametrize(
    ("model", "label"),
    [
        (ModelInfo("a", "A", GenerationKind.TEXT_TO_IMAGE, price=Price(per_image=8)), "8 credits"),
        (ModelInfo("b", "B", GenerationKind.TEXT_TO_IMAGE, price=Price(per_image=1)), "1 credit"),
        (ModelInfo("c", "C", GenerationKind.TEXT_TO_IMAGE, price=Price(per_image=1500)), "1,500 credits"),
        (megapixel_model(20, 10), "from 20 credits/MP"),
    ],
)
def test_a_models_price_reads_as_people_say_it(model: ModelInfo, label: str) -> None:
    assert price_label(model) == label
