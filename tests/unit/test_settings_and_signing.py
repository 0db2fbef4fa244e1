"""Settings refuse unsafe production setups without echoing secrets; media links are signed per image and owner."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.errors import ConfigurationError
from core.settings import load_settings
from core.signing import MediaSigner, Signer

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


def test_production_refuses_fal_without_a_key_or_with_a_plain_http_webhook() -> None:
    with pytest.raises(ConfigurationError) as refused:
        load_settings(app_env="production", image_engine="fal", fal_webhook_base_url="http://atelier.example.com")
    message = str(refused.value)
    assert "IMAGE_ENGINE=fal but FAL_KEY is not set" in message and "must be an https address" in message


def test_production_refuses_demo_payments_and_a_provider_without_its_keys() -> None:
    with pytest.raises(ConfigurationError) as refused:
        load_settings(app_env="production", payment_providers="demo,creem", creem_api_key="creem_x")
    message = str(refused.value)
    assert "CREEM_WEBHOOK_SECRET is not set" in message
    with pytest.raises(ConfigurationError, match="PAYMENT_PROVIDERS includes demo"):
        load_settings(app_env="production", payment_providers="demo")
    with pytest.raises(ConfigurationError, match="choose from demo, stripe, creem"):
        load_settings(payment_providers="paypal")


def test_a_settings_error_never_repeats_a_secret_value() -> None:
    with pytest.raises(ConfigurationError) as refused:
        load_settings(app_env="production", media_secret="super-secret-value-123456", database_url="")
    assert "super-secret-value-123456" not in str(refused.value)


def test_a_bad_number_in_the_settings_says_which_setting() -> None:
    with pytest.raises(ConfigurationError, match="starter_credits"):
        load_settings(starter_credits=-5)


SECRET = b"0123456789abcdef0123456789abcdef"
IMAGE, OTHER = "a" * 32, "b" * 32


def link_parts(url: str) -> tuple[str, str, str, str]:
    path, query = url.split("?")
    params = dict(p.split("=") for p in query.split("&"))
    _, _, _, public_id, variant = path.split("/")
    return public_id, variant, params["exp"], params["sig"]


def test_a_signed_link_works_for_its_image_and_variant_only() -> None:
    signer = MediaSigner(SECRET, 3600, lambda: NOW)
    public_id, variant, exp, sig = link_parts(signer.url(IMAGE, "original"))
    assert (public_id, variant) == (IMAGE, "original")
    assert signer.verify(IMAGE, "original", exp, sig)
    assert not signer.verify(OTHER, "original", exp, sig)
    assert not signer.verify(IMAGE, "thumb", exp, sig)
    assert not signer.verify(IMAGE, "original", str(int(exp) + 1), sig)


def test_a_signed_link_expires_after_its_time_to_live() -> None:
    clock = {"now": NOW}
    signer = MediaSigner(SECRET, 3600, lambda: clock["now"])
    _, _, exp, sig = link_parts(signer.url(IMAGE, "thumb"))
    clock["now"] = NOW + timedelta(minutes=59)
    assert signer.verify(IMAGE, "thumb", exp, sig)
    assert 60 <= signer.seconds_left(exp) <= 120
    clock["now"] = NOW + timedelta(hours=1, minutes=2)
    assert not signer.verify(IMAGE, "thumb", exp, sig)


@pytest.mark.parametrize(
    ("public_id", "variant", "exp", "sig"),
    [
        (str(2**63), "thumb", "9999999999", "0" * 64),  # a huge number where a public id belongs
        ("A" * 32, "thumb", "9999999999", "0" * 64),
        (IMAGE, "../etc", "9999999999", "0" * 64),
        (IMAGE, "thumb", "1e10", "0" * 64),
        (IMAGE, "thumb", "9" * 40, "0" * 64),
        (IMAGE, "thumb", "-1", "0" * 64),
        (IMAGE, "thumb", "9999999999", "zz"),
        (IMAGE, "thumb", "", ""),
    ],
)
def test_a_malformed_link_is_refused_without_raising(public_id: str, variant: str, exp: str, sig: str) -> None:
    assert not MediaSigner(SECRET, 3600, lambda: NOW).verify(public_id, variant, exp, sig)


def test_a_signature_made_for_another_purpose_never_opens_an_image() -> None:
    media = MediaSigner(SECRET, 3600, lambda: NOW)
    _, _, exp, _ = link_parts(media.url(IMAGE, "original"))
    export_signature = Signer(SECRET, "export").sign(IMAGE, "original", exp)
    assert not media.verify(IMAGE, "original", exp, export_signature)
    assert Signer(SECRET, "media").sign(IMAGE, "original", exp) == link_parts(media.url(IMAGE, "original"))[3]


def test_a_short_media_secret_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ConfigurationError, match="at least 32 bytes"):
        load_settings(media_secret="too-short-secret")
    with pytest.raises(ValueError, match="at least 32 bytes"):
        MediaSigner(b"short", 3600, lambda: NOW)


def test_the_database_url_is_a_secret_that_never_shows_in_a_repr() -> None:
    settings = load_settings(database_url="postgresql+psycopg://atelier:hunter2-password@db/atelier")
    assert "hunter2-password" not in repr(settings) and "hunter2-password" not in str(settings)
    assert "hunter2-password" in settings.resolved_database_url


def test_settings_read_the_environment_then_dotenv_then_secrets_toml(tmp_path, monkeypatch) -> None:
    from pydantic_settings import SettingsConfigDict

    from core.settings import Settings

    (tmp_path / ".env").write_text("CREDITS_PER_IMAGE=3\nSTARTER_CREDITS=4\n")
    (tmp_path / "secrets.toml").write_text(
        'starter_credits = 5\ngallery_page_size = 12\nmedia_secret = "from-toml-0123456789abcdef0123456789"\n'
    )

    class LocalSettings(Settings):
        model_config = SettingsConfigDict(env_file=tmp_path / ".env", extra="ignore")

    # The same file Streamlit reads: `--secrets.files` / STREAMLIT_SECRETS_FILES.
    monkeypatch.setenv("STREAMLIT_SECRETS_FILES", str(tmp_path / "secrets.toml"))

    monkeypatch.setenv("CREDITS_PER_IMAGE", "7")
    settings = LocalSettings()
    assert settings.credits_per_image == 7  # the environment wins
    assert settings.starter_credits == 4  # then .env
    assert settings.gallery_page_size == 12  # then secrets.toml
    assert settings.media_secret.get_secret_value() == "from-toml-0123456789abcdef0123456789"
    assert "from-toml" not in repr(settings)  # a secret never shows in logs or pages


def test_the_development_media_key_is_private_from_its_first_byte_and_the_same_for_every_process(
    tmp_path, monkeypatch
) -> None:
    import os
    import stat

    from core.bootstrap import _media_secret
    from tests.races import racing

    settings = load_settings(app_env="development", data_dir=tmp_path, media_secret="")
    created: list[int] = []
    real_open = os.open

    def watching_open(path, flags, mode=0o777, *args, **kwargs):  # type: ignore[no-untyped-def]
        if "media-secret" in str(path) and flags & os.O_CREAT:
            created.append(mode)
        return real_open(path, flags, mode, *args, **kwargs)

    monkeypatch.setattr(os, "open", watching_open)
    keys = racing(lambda: _media_secret(settings))  # even a careless umask must not open a window
    assert len(keys) == 6 and len(set(keys)) == 1 and len(keys[0]) >= 32
    assert created and set(created) == {0o600}  # the file is born private, not chmod-ed afterwards
    assert stat.S_IMODE((tmp_path / "media-secret.key").stat().st_mode) == 0o600
