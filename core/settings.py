"""The one typed Settings object, read from the environment, `.env` and `.streamlit/secrets.toml`."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from core.errors import ConfigurationError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret"}
MIN_SECRET_BYTES = 32


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=PROJECT_ROOT / ".env",
        extra="ignore",
        toml_file=PROJECT_ROOT / ".streamlit" / "secrets.toml",
    )

    app_env: Environment = Environment.DEVELOPMENT
    data_dir: Path = PROJECT_ROOT / "data"
    database_url: SecretStr = SecretStr("")  # empty: a SQLite file in data_dir; may hold a password
    media_secret: SecretStr = SecretStr("")  # empty in development: a random key kept in data_dir
    # Host names the server answers (HTTP and the websocket), against DNS rebinding. Comma-separated.
    allowed_hosts: str = "localhost,127.0.0.1,::1"

    image_engine: str = "offline"
    auth_mode: str = "local"
    blob_store: str = "local"

    starter_credits: int = Field(20, ge=0)
    credits_per_image: int = Field(1, ge=1)
    offline_engine_delay_seconds: float = Field(2.0, ge=0)
    generation_timeout_seconds: int = Field(600, ge=10)
    media_url_ttl_seconds: int = Field(3600, ge=60)
    max_upload_mb: float = Field(10.0, gt=0)
    max_image_pixels: int = Field(40_000_000, ge=1_000_000)
    max_prompt_chars: int = Field(2000, ge=100, le=10_000)
    gallery_page_size: int = Field(24, ge=1, le=96)
    worker_interval_seconds: float = Field(1.0, gt=0)
    job_lease_seconds: float = Field(30.0, ge=1)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls)
        return init_settings, env_settings, dotenv_settings, toml

    @field_validator("media_secret")
    @classmethod
    def _media_secret_is_long_enough(cls, value: SecretStr) -> SecretStr:
        secret = value.get_secret_value()
        if secret and len(secret.encode()) < MIN_SECRET_BYTES:
            raise ValueError(
                f"MEDIA_SECRET must be at least {MIN_SECRET_BYTES} bytes long (it is {len(secret.encode())}); "
                "make one with: python -c 'import secrets; print(secrets.token_hex(32))'"
            )
        return value

    @field_validator("allowed_hosts")
    @classmethod
    def _allowed_hosts_are_listed(cls, value: str) -> str:
        if not [h for h in value.split(",") if h.strip()]:
            raise ValueError("ALLOWED_HOSTS must name at least one host (or * for any, which is unsafe)")
        return value

    @model_validator(mode="after")
    def _refuse_development_parts_in_production(self) -> Settings:
        if self.app_env != Environment.PRODUCTION:
            return self
        problems = []
        if self.image_engine == "offline":
            problems.append("IMAGE_ENGINE=offline (the offline engine is not an AI model)")
        if self.auth_mode == "local":
            problems.append("AUTH_MODE=local (local sign-in trusts any typed email)")
        if self.media_secret.get_secret_value().strip().lower() in PLACEHOLDER_SECRETS:
            problems.append("MEDIA_SECRET is missing or a placeholder")
        if not self.database_url.get_secret_value():
            problems.append("DATABASE_URL is not set")
        if problems:
            raise ValueError("Refusing to start in production: " + "; ".join(problems))
        return self

    @property
    def resolved_database_url(self) -> str:
        return self.database_url.get_secret_value() or f"sqlite:///{self.data_dir / 'atelier.db'}"

    @property
    def allowed_host_list(self) -> list[str]:
        return [h.strip().lower() for h in self.allowed_hosts.split(",") if h.strip()]

    @property
    def is_development(self) -> bool:
        """Development or test: local sign-in may be on, and every page says so."""
        return self.app_env != Environment.PRODUCTION

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)


def load_settings(**overrides: object) -> Settings:
    """Build settings now (never at import time); keyword overrides win over every source.

    Pydantic's own error text repeats the raw input, secrets included, so only the messages
    are passed on.
    """
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        reasons = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in exc.errors())
        raise ConfigurationError(f"Invalid settings: {reasons}") from None
