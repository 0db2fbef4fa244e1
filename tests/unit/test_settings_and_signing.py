"""Settings refuse unsafe production setups without echoing secrets; media links are signed per image and owner."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.errors import ConfigurationError
from core.settings import load_settings
from core.signing import MediaSigner

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def test_settings_come_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("STARTER_CREDITS", "7")
    monkeypatch.setenv("GALLERY_PAGE_SIZE", "12")
    settings = load_settings()
    assert (settings.starter_credits, settings.gallery_page_size) == (7, 12)


def test_production_refuses_the_offline_engine_local_sign_in_and_a_missing_secret() -> None:
    with pytest.raises(ConfigurationError) as refused:
        load_settings(app_env="production", database_url="postgresql+psycopg://db/atelier")
    message = str(refused.value)
    assert "IMAGE_ENGINE=offline" in message and "AUTH_MODE=local" in message and "MEDIA_SECRET" in message


def test_a_settings_error_never_repeats_a_secret_value() -> None:
    with pytest.raises(ConfigurationError) as refused:
        load_settings(app_env="production", media_secret="super-secret-value-123456", database_url="")
    assert "super-secret-value-123456" not in str(refused.value)


def test_a_bad_number_in_the_settings_says_which_setting() -> None:
    with pytest.raises(ConfigurationError, match="starter_credits"):
        load_settings(starter_credits=-5)


def test_a_signed_link_works_for_its_image_owner_and_variant_only() -> None:
    signer = MediaSigner(b"0123456789abcdef0123", 3600, lambda: NOW)
    url = signer.url(5, 9, "original")
    exp = int(url.split("exp=")[1].split("&")[0])
    sig = url.split("sig=")[1]
    assert signer.verify(5, 9, "original", exp, sig)
    assert not signer.verify(6, 9, "original", exp, sig)
    assert not signer.verify(5, 10, "original", exp, sig)
    assert not signer.verify(5, 9, "thumb", exp, sig)
    assert not signer.verify(5, 9, "original", exp + 1, sig)


def test_a_signed_link_expires_after_its_time_to_live() -> None:
    clock = {"now": NOW}
    signer = MediaSigner(b"0123456789abcdef0123", 3600, lambda: clock["now"])
    url = signer.url(5, 9, "thumb")
    exp, sig = int(url.split("exp=")[1].split("&")[0]), url.split("sig=")[1]
    clock["now"] = NOW + timedelta(minutes=59)
    assert signer.verify(5, 9, "thumb", exp, sig)
    clock["now"] = NOW + timedelta(hours=1, minutes=2)
    assert not signer.verify(5, 9, "thumb", exp, sig)


def test_settings_read_the_environment_then_dotenv_then_secrets_toml(tmp_path, monkeypatch) -> None:
    from pydantic_settings import SettingsConfigDict

    from core.settings import Settings

    (tmp_path / ".env").write_text("CREDITS_PER_IMAGE=3\nSTARTER_CREDITS=4\n")
    (tmp_path / "secrets.toml").write_text('starter_credits = 5\ngallery_page_size = 12\nmedia_secret = "from-toml-0123456789abcdef0123456789"\n')

    class LocalSettings(Settings):
        model_config = SettingsConfigDict(
            env_file=tmp_path / ".env", toml_file=tmp_path / "secrets.toml", extra="ignore"
        )

    monkeypatch.setenv("CREDITS_PER_IMAGE", "7")
    settings = LocalSettings()
    assert settings.credits_per_image == 7  # the environment wins
    assert settings.starter_credits == 4  # then .env
    assert settings.gallery_page_size == 12  # then secrets.toml
    assert settings.media_secret.get_secret_value() == "from-toml-0123456789abcdef0123456789"
    assert "from-toml" not in repr(settings)  # a secret never shows in logs or pages
