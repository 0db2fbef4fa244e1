"""Which sign-in runs: local only without an OIDC provider and outside production; OIDC only when complete."""

from __future__ import annotations

from typing import Any

import pytest

from core.bootstrap import bootstrap, check_sign_in, settings_clock
from core.errors import ConfigurationError
from core.settings import load_settings

COOKIE = "c" * 40
PROVIDER = {
    "client_id": "atelier.apps.googleusercontent.com",
    "client_secret": "GOCSPX-not-a-real-secret",
    "server_metadata_url": "https://accounts.google.com/.well-known/openid-configuration",
}
PRODUCTION = {
    "app_env": "production",
    "image_engine": "fal",
    "fal_key": "fal-test-key",
    "media_secret": "m" * 40,
    "database_url": "postgresql+psycopg://db/atelier",
    "auth_mode": "oidc",
    "payment_providers": "stripe",
    "stripe_secret_key": "sk_live_not_real",
    "stripe_webhook_secret": "whsec_not_real",
    "mailer": "smtp",
    "smtp_host": "smtp.example.com",
}


def auth(**overrides: Any) -> dict[str, Any]:
    section: dict[str, Any] = {
        "redirect_uri": "https://atelier.example.com/oauth2callback",
        "cookie_secret": COOKIE,
        "google": dict(PROVIDER),
    }
    section.update(overrides)
    return {key: value for key, value in section.items() if value is not None}


def refusal(**values: Any) -> str:
    with pytest.raises(ConfigurationError) as refused:
        check_sign_in(load_settings(**values))
    return str(refused.value)


def test_production_with_a_complete_google_provider_passes_the_sign_in_check() -> None:
    settings = load_settings(**PRODUCTION, auth=auth())
    check_sign_in(settings)
    assert (settings.auth_mode, settings.auth_provider) == ("oidc", "google")
    # The check tells complete from incomplete: the same provider with any one key left empty is refused, by name.
    for key in PROVIDER:
        assert f"[auth.google] is missing {key}" in refusal(auth_mode="oidc", auth=auth(google={**PROVIDER, key: ""}))


@pytest.mark.parametrize(
    ("section", "named"),
    [
        (auth(google=None), "no OIDC provider: secrets.toml has no [auth.google] section"),
        (auth(cookie_secret=None), "cookie_secret is missing or shorter than 32 bytes"),
        (auth(cookie_secret="short-but-set"), "cookie_secret is missing or shorter than 32 bytes"),
        (auth(redirect_uri=None), "redirect_uri is missing"),
        (auth(google={**PROVIDER, "client_secret": ""}), "[auth.google] is missing client_secret"),
    ],
)
def test_production_refuses_to_start_and_says_what_is_missing(section: dict[str, Any], named: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        load_settings(**PRODUCTION, auth=section)
    assert named in str(refused.value)
    assert COOKIE not in str(refused.value) and "GOCSPX" not in str(refused.value)


def test_production_refuses_local_sign_in_even_with_a_provider() -> None:
    with pytest.raises(ConfigurationError, match="AUTH_MODE=local"):
        load_settings(**{**PRODUCTION, "auth_mode": "local"}, auth=auth())


def test_development_refuses_oidc_mode_without_a_provider_and_says_which() -> None:
    message = refusal(auth_mode="oidc", auth={}, auth_provider="okta")
    assert "no OIDC provider: secrets.toml has no [auth.okta] section" in message


def test_local_sign_in_is_refused_once_an_oidc_provider_is_configured() -> None:
    assert "[auth.google]" in refusal(auth_mode="local", auth=auth())


def test_any_named_oidc_provider_configured_the_same_way_works() -> None:
    okta = {**PROVIDER, "server_metadata_url": "https://okta.example/.well-known/x"}
    check_sign_in(load_settings(auth_mode="oidc", auth_provider="okta", auth=auth(google=None, okta=okta)))
    # It is the named provider that is checked: the same section without its client id is refused, by name.
    message = refusal(auth_mode="oidc", auth_provider="okta", auth=auth(google=None, okta={**okta, "client_id": ""}))
    assert "[auth.okta] is missing client_id" in message


def test_the_local_sign_in_is_the_embedded_default(tmp_path) -> None:
    c = bootstrap(load_settings(data_dir=tmp_path, auth={}, database_url=f"sqlite:///{tmp_path / 'a.db'}"))
    assert c.settings.auth_mode == "local"


def test_a_session_cannot_outlive_its_sign_in_record_or_the_cookie() -> None:
    with pytest.raises(ConfigurationError, match="SIGN_IN_RETENTION_DAYS"):
        load_settings(session_max_days=10, sign_in_retention_days=5, auth={})
    with pytest.raises(ConfigurationError, match="session_max_days"):
        load_settings(session_max_days=31, auth={})


def test_the_clock_offset_moves_the_apps_clock_and_is_refused_in_production() -> None:
    moved = settings_clock(load_settings(clock_offset_seconds=8 * 86400, auth={}))
    real = settings_clock(load_settings(auth={}))
    assert 8 * 86400 - 5 < (moved() - real()).total_seconds() < 8 * 86400 + 5
    with pytest.raises(ConfigurationError, match="CLOCK_OFFSET_SECONDS"):
        load_settings(**PRODUCTION, auth=auth(), clock_offset_seconds=1)
