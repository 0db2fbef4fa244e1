"""The one typed Settings object, read from the environment, `.env` and `.streamlit/secrets.toml`."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from core.errors import ConfigurationError
from core.settings_scale import ScaleSettings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret"}
MIN_SECRET_BYTES = 32


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


PAYMENT_PROVIDERS = ("demo", "stripe", "creem")
PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")


def secrets_files() -> list[Path]:
    """The secrets files Streamlit reads: STREAMLIT_SECRETS_FILES (as `--secrets.files` would), else the project's."""
    listed = os.environ.get("STREAMLIT_SECRETS_FILES", "").split()
    return [Path(p) for p in listed] or [PROJECT_ROOT / ".streamlit" / "secrets.toml"]


class AuthSecrets(BaseModel):
    """The `[auth]` section of secrets.toml, which `st.login` reads; checked here so a bad one stops the start.

    Providers are sub-tables (`[auth.google]`) holding client_id, client_secret and server_metadata_url.
    """

    model_config = ConfigDict(extra="allow")

    redirect_uri: str = ""
    cookie_secret: SecretStr = SecretStr("")

    def provider(self, name: str) -> dict[str, object]:
        found = (self.model_extra or {}).get(name)
        return found if isinstance(found, dict) else {}

    def provider_names(self) -> list[str]:
        return sorted(k for k, v in (self.model_extra or {}).items() if isinstance(v, dict))


class Settings(ScaleSettings):
    model_config = SettingsConfigDict(env_file=PROJECT_ROOT / ".env", extra="ignore")

    app_env: Environment = Environment.DEVELOPMENT
    data_dir: Path = PROJECT_ROOT / "data"
    database_url: SecretStr = SecretStr("")  # empty: a SQLite file in data_dir; may hold a password
    media_secret: SecretStr = SecretStr("")  # empty in development: a random key kept in data_dir
    # Host names the server answers (HTTP and the websocket), against DNS rebinding. Comma-separated.
    allowed_hosts: str = "localhost,127.0.0.1,::1"

    # offline: drawn locally, no AI, no keys; fal: FLUX.1 Kontext and FLUX.2 through fal.ai (needs FAL_KEY).
    image_engine: Literal["offline", "fal"] = "offline"
    fal_key: SecretStr = SecretStr("")
    fal_models_file: Path = PROJECT_ROOT / "assets" / "fal_models.toml"  # the model catalogue
    fal_queue_url: str = "https://queue.fal.run/"
    fal_api_url: str = "https://api.fal.ai"  # where payload deletions go (only when payloads are kept)
    # False (the default) sends X-Fal-Store-IO: 0 with every job: fal keeps neither the request nor its outputs.
    fal_keep_payloads: bool = False
    # This app's public https address; when set, fal calls /api/webhooks/fal as soon as a job ends.
    fal_webhook_base_url: str = ""
    fal_download_timeout_seconds: float = Field(60.0, gt=0)
    fal_max_download_mb: float = Field(50.0, gt=0)
    engine_send_attempts: int = Field(3, ge=1, le=10)  # sends the engine surely refused (5xx) before giving up
    # Who takes payments, comma-separated: demo (no money moves; refused in production), stripe, creem.
    payment_providers: str = "demo"
    billing_catalogue_file: Path = PROJECT_ROOT / "assets" / "billing.toml"  # packs and plans on sale
    billing_seller: str = "Atelier"  # the seller named on receipts
    # This app's public address, for the checkout's return links; empty: the address the browser used.
    public_base_url: str = ""
    stripe_secret_key: SecretStr = SecretStr("")
    stripe_webhook_secret: SecretStr = SecretStr("")  # whsec_…, from the webhook endpoint's page
    stripe_api_base: str = ""  # empty: Stripe's own; tests point it at a local server
    creem_api_key: SecretStr = SecretStr("")  # creem_test_… keys use Creem's test mode
    creem_webhook_secret: SecretStr = SecretStr("")
    creem_api_base: str = ""  # empty: api.creem.io, or test-api.creem.io for a test key
    # local: type any email (development only); oidc: st.login with AUTH_PROVIDER from secrets.toml's [auth].
    auth_mode: Literal["local", "oidc"] = "local"
    auth_provider: str = "google"
    auth: AuthSecrets = Field(default_factory=AuthSecrets)  # the [auth] section of secrets.toml
    # Verified emails that become admins when they sign in. Comma-separated.
    admin_emails: str = ""
    session_max_days: float = Field(7.0, gt=0, le=30)  # Streamlit's sign-in cookie lives 30 days
    sign_in_retention_days: int = Field(90, ge=1)
    # Moves the app's clock (development and test only), so a 7-day session can be ended without waiting.
    clock_offset_seconds: float = 0.0

    # Five images of the shipped fal default (FLUX.1 Kontext [pro], 40 credits); bootstrap checks it pays for three.
    starter_credits: int = Field(200, ge=0)
    credits_per_image: int = Field(1, ge=1)
    offline_engine_delay_seconds: float = Field(2.0, ge=0)
    generation_timeout_seconds: int = Field(600, ge=10)
    media_url_ttl_seconds: int = Field(3600, ge=60)
    max_upload_mb: float = Field(10.0, gt=0)
    max_image_pixels: int = Field(40_000_000, ge=1_000_000)
    max_prompt_chars: int = Field(2000, ge=100, le=10_000)
    max_jobs_in_flight: int = Field(4, ge=1, le=20)  # one user's jobs queued or running at once
    lab_max_cells: int = Field(64, ge=1, le=1024)  # the most cells one lab experiment may make
    # The longest text a user may store of each kind. A name or reason is bounded by its database column.
    max_display_name_chars: int = Field(80, ge=1, le=200)
    max_collection_name_chars: int = Field(60, ge=1, le=60)
    max_reason_chars: int = Field(300, ge=3, le=300)  # an admin's reason for a credit adjustment
    gallery_page_size: int = Field(24, ge=1, le=96)
    worker_interval_seconds: float = Field(1.0, gt=0)
    job_lease_seconds: float = Field(30.0, ge=1)

    # Privacy: where the data is kept (said in the privacy centre and the export), the days before a requested
    # account erasure runs (0: within a minute), how long an image the safety check withheld is kept when nobody
    # asked for its review, and whom a user may complain to. (The policy version consents are given under is the
    # privacy policy's version in force: core/services/policies.py.)
    data_region: str = Field("This server (self-hosted)", min_length=1, max_length=100)
    erasure_grace_days: int = Field(7, ge=0, le=30)
    withheld_retention_days: int = Field(30, ge=1)
    complaint_authority: str = Field("your national data protection authority", min_length=1, max_length=200)
    complaint_contact: str = Field("https://edpb.europa.eu/about-edpb/about-edpb/members_en", max_length=300)

    # Privacy requests: the days an answer is due in, and the hours for one marked urgent (a security matter).
    privacy_response_days: int = Field(30, ge=1, le=30)
    privacy_urgent_hours: int = Field(72, ge=1, le=720)

    # Email. outbox: every message is kept in the outbox (shown in Admin → Outbox) and sent nowhere; smtp: the
    # worker sends it through SMTP_HOST, with retries.
    mailer: Literal["outbox", "smtp"] = "outbox"
    mail_from: str = Field("Atelier <no-reply@localhost>", min_length=3, max_length=200)
    smtp_host: str = ""
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"  # none: tests and a local relay only
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_timeout_seconds: float = Field(20.0, gt=0)

    # Retention: an account nobody signed in to for INACTIVE_ACCOUNT_DAYS is erased, after a warning
    # INACTIVE_WARNING_DAYS ahead; finished exports, sent emails and payment-event payloads are deleted after theirs.
    inactive_account_days: int = Field(730, ge=60)
    inactive_warning_days: int = Field(30, ge=1, le=60)
    export_retention_days: int = Field(7, ge=1, le=30)
    outbox_retention_days: int = Field(30, ge=1)
    payment_payload_retention_days: int = Field(400, ge=30)

    # Policies: the versioned documents in POLICIES_DIR, and the least notice a material change is given.
    policies_dir: Path = PROJECT_ROOT / "assets" / "policies"
    policy_notice_days: int = Field(30, ge=30)

    # Encryption at rest of every stored blob (AES-256-GCM, a data key per blob wrapped by a key-encryption key).
    # ENCRYPTION_KEYS: "id:base64key" pairs, comma-separated, the first one current; the others are only read
    # until the rotation has re-wrapped every blob. Empty in development: a key made in DATA_DIR on first run.
    encrypt_blobs: bool = True
    encryption_keys: SecretStr = SecretStr("")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=secrets_files())
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
    def _sessions_end_before_their_records(self) -> Settings:
        if self.sign_in_retention_days < self.session_max_days:
            raise ValueError(
                "SIGN_IN_RETENTION_DAYS must be at least SESSION_MAX_DAYS: the guard checks every session "
                "against its sign-in record"
            )
        return self

    @field_validator("payment_providers")
    @classmethod
    def _known_providers(cls, value: str) -> str:
        names = [n.strip().lower() for n in value.split(",") if n.strip()]
        unknown = sorted(set(names) - set(PAYMENT_PROVIDERS))
        if unknown or not names:
            raise ValueError(
                f"PAYMENT_PROVIDERS lists {', '.join(unknown) or 'nothing'}; choose from demo, stripe, creem"
            )
        return ",".join(dict.fromkeys(names))

    @model_validator(mode="after")
    def _providers_have_their_keys(self) -> Settings:
        missing = [
            f"{name.upper()}_{key.upper()} is not set (PAYMENT_PROVIDERS lists {name})"
            for name, keys in (("stripe", ("secret_key", "webhook_secret")), ("creem", ("api_key", "webhook_secret")))
            if name in self.payment_provider_list
            for key in keys
            if not getattr(self, f"{name}_{key}").get_secret_value()
        ]
        if missing:
            raise ValueError("; ".join(missing))
        return self

    @model_validator(mode="after")
    def _refuse_development_parts_in_production(self) -> Settings:
        if self.app_env != Environment.PRODUCTION:
            return self
        problems = []
        if self.clock_offset_seconds:
            problems.append("CLOCK_OFFSET_SECONDS is set (it is for tests)")
        if self.image_engine == "offline":
            problems.append("IMAGE_ENGINE=offline (the offline engine is not an AI model)")
        elif not self.fal_key.get_secret_value():
            problems.append("IMAGE_ENGINE=fal but FAL_KEY is not set")
        if self.fal_webhook_base_url and not self.fal_webhook_base_url.startswith("https://"):
            problems.append("FAL_WEBHOOK_BASE_URL must be an https address")
        if "demo" in self.payment_provider_list:
            problems.append("PAYMENT_PROVIDERS includes demo (demo payments grant credits without taking money)")
        if self.public_base_url and not self.public_base_url.startswith("https://"):
            problems.append("PUBLIC_BASE_URL must be an https address")
        if self.auth_mode == "local":
            problems.append("AUTH_MODE=local (local sign-in trusts any typed email); set AUTH_MODE=oidc")
        problems += self.oidc_problems()
        if self.media_secret.get_secret_value().strip().lower() in PLACEHOLDER_SECRETS:
            problems.append("MEDIA_SECRET is missing or a placeholder")
        if not self.database_url.get_secret_value():
            problems.append("DATABASE_URL is not set")
        if self.mailer == "smtp" and not self.smtp_host:
            problems.append("MAILER=smtp but SMTP_HOST is not set")
        if self.mailer == "outbox":
            problems.append("MAILER=outbox (nothing would be sent); set MAILER=smtp and SMTP_HOST")
        if not self.encrypt_blobs:
            problems.append("ENCRYPT_BLOBS is off (stored images must be encrypted at rest)")
        elif not self.encryption_keys.get_secret_value():
            problems.append("ENCRYPTION_KEYS is not set (production never makes its own key)")
        if self.blob_store == "s3" and not self.s3_bucket:
            problems.append("BLOB_STORE=s3 but S3_BUCKET is not set")
        if problems:
            raise ValueError("Refusing to start in production: " + "; ".join(problems))
        return self

    def oidc_problems(self) -> list[str]:
        """What is missing for `st.login` with AUTH_PROVIDER, each said in words an operator can act on."""
        problems = []
        name = self.auth_provider
        provider = self.auth.provider(name)
        if not provider:
            problems.append(f"no OIDC provider: secrets.toml has no [auth.{name}] section")
        else:
            missing = [key for key in PROVIDER_KEYS if not str(provider.get(key, "")).strip()]
            if missing:
                problems.append(f"[auth.{name}] is missing {', '.join(missing)}")
        if not self.auth.redirect_uri.strip():
            problems.append("[auth] redirect_uri is missing (the app's URL ending in /oauth2callback)")
        cookie = self.auth.cookie_secret.get_secret_value()
        if len(cookie.encode()) < MIN_SECRET_BYTES or cookie.strip().lower() in PLACEHOLDER_SECRETS:
            problems.append(f"[auth] cookie_secret is missing or shorter than {MIN_SECRET_BYTES} bytes")
        return problems

    @property
    def admin_email_list(self) -> set[str]:
        return {e.strip().lower() for e in self.admin_emails.split(",") if e.strip()}

    @property
    def resolved_database_url(self) -> str:
        return self.database_url.get_secret_value() or f"sqlite:///{self.data_dir / 'atelier.db'}"

    @property
    def payment_provider_list(self) -> list[str]:
        return [n for n in self.payment_providers.split(",") if n]

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
