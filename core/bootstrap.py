"""The composition root: picks every adapter from settings (with overrides for tests) and hands them, with each
registered capability's service factories (core/registry.py), to the container."""

from __future__ import annotations

import functools
import logging
import secrets
from datetime import datetime, timedelta
from pathlib import Path

from core.clock import Clock, utc_now
from core.container import Container
from core.errors import ConfigurationError
from core.keyring import Keyring, new_key_entry, parse_keys
from core.ports import BlobStore, Doorbell, ImageEngine, PaymentProvider
from core.pricing import starter_shortfall
from core.private_files import kept_secret
from core.registry import service_factories
from core.settings import Environment, Settings, load_settings
from core.signing import FAL_WEBHOOK_PATH, FAL_WEBHOOK_PURPOSE, Signer
from db.engine import make_engine
from db.uow import Database

__all__ = ["Container", "app_container", "bootstrap"]
log = logging.getLogger(__name__)
DEV_KEY_FILE = "encryption.key"  # in DATA_DIR: the development key, when ENCRYPTION_KEYS is empty


def bootstrap(
    settings: Settings | None = None,
    *,
    engine: ImageEngine | None = None,
    blobs: BlobStore | None = None,
    withheld: BlobStore | None = None,
    db: Database | None = None,
    clock: Clock | None = None,
    payments: dict[str, PaymentProvider] | None = None,
) -> Container:
    """The adapters settings choose (or the overrides given), and every registered capability's services."""
    settings = settings or load_settings()
    check_sign_in(settings)
    secret = _media_secret(settings)
    keyring = encryption_keys(settings) if settings.encrypt_blobs else None
    notice = ""
    if engine is None:
        engine, notice = _engine(settings, secret)
    check_starter_grant(settings, engine)
    clock = clock or settings_clock(settings)
    database = db or Database(make_engine(settings.resolved_database_url))
    container = Container(
        settings=settings,
        db=database,
        clock=clock,
        engine=engine,
        engine_notice=notice,
        media_secret=secret,
        blobs=blobs or _blobs(settings, keyring),
        withheld=withheld or _blobs(settings, keyring, "withheld"),
        payments=payments if payments is not None else payment_providers(settings, clock),
        doorbell=doorbell(database),
        factories=service_factories(),
    )
    container.build_all()
    return container


def doorbell(db: Database) -> Doorbell:
    """How a submit wakes the workers: LISTEN/NOTIFY on PostgreSQL (any number of processes), otherwise a signal
    inside this process (SQLite is the embedded default: one process, its worker inside)."""
    if db.engine.dialect.name == "postgresql":
        from core.adapters.postgres_doorbell import PostgresDoorbell

        return PostgresDoorbell(db.engine)
    from core.adapters.local_doorbell import LocalDoorbell

    return LocalDoorbell()


def check_sign_in(settings: Settings) -> None:
    """Local sign-in only when no OIDC provider is configured; OIDC only when it is completely configured."""
    if settings.auth_mode == "oidc":
        if problems := settings.oidc_problems():
            raise ConfigurationError("AUTH_MODE=oidc, but: " + "; ".join(problems))
    elif settings.auth.provider_names():
        names = ", ".join(f"[auth.{n}]" for n in settings.auth.provider_names())
        raise ConfigurationError(
            f"secrets.toml configures an OIDC provider ({names}) but AUTH_MODE=local, which lets anyone sign in "
            "as anyone. Set AUTH_MODE=oidc, or remove the [auth] section."
        )


def check_starter_grant(settings: Settings, engine: ImageEngine) -> None:
    """A new account can pay for its first images with the engine's own prices: production refuses to start
    otherwise; development says so and carries on, so a small grant can be tried on purpose."""
    if problem := starter_shortfall(engine.models(), settings.starter_credits):
        if settings.app_env == Environment.PRODUCTION:
            raise ConfigurationError(problem)
        log.warning(problem)


def settings_clock(settings: Settings) -> Clock:
    """The real clock, moved by CLOCK_OFFSET_SECONDS (refused in production) so tests can age a session."""
    if not settings.clock_offset_seconds:
        return utc_now
    offset = timedelta(seconds=settings.clock_offset_seconds)

    def shifted() -> datetime:
        return utc_now() + offset

    return shifted


@functools.cache
def app_container() -> Container:
    """The one container of this server process, shared by pages, HTTP routes and the loop."""
    return bootstrap()


def _engine(settings: Settings, secret: bytes) -> tuple[ImageEngine, str]:
    """The configured engine, and what the Generate page should say about it."""
    if settings.image_engine == "fal" and settings.fal_key.get_secret_value():
        return _fal_engine(settings, secret), ""
    notice = ""
    if settings.image_engine == "fal":  # production refuses this in Settings; development carries on offline
        notice = "IMAGE_ENGINE is fal, but FAL_KEY is not set, so images come from the offline engine."
    from core.adapters.offline import OfflineImageEngine

    offline = OfflineImageEngine(
        settings.data_dir / "engine-queue",
        settings.offline_engine_delay_seconds,
        max_pixels=settings.max_image_pixels,
        credits_per_image=settings.credits_per_image,
    )
    return offline, notice


def _fal_engine(settings: Settings, secret: bytes) -> ImageEngine:
    from core.adapters.fal_engine import FalImageEngine
    from core.catalogue import load_catalogue

    webhook = None
    if settings.fal_webhook_base_url:
        signer = Signer(secret, FAL_WEBHOOK_PURPOSE)
        base = settings.fal_webhook_base_url.rstrip("/")

        def webhook(job_id: str) -> str:
            return f"{base}{FAL_WEBHOOK_PATH}?job={job_id}&sig={signer.sign(job_id)}"

    return FalImageEngine(
        load_catalogue(settings.fal_models_file),
        settings.fal_key.get_secret_value(),
        queue_url=settings.fal_queue_url,
        api_url=settings.fal_api_url,
        keep_payloads=settings.fal_keep_payloads,
        webhook_url=webhook,
        download_timeout=settings.fal_download_timeout_seconds,
        max_download_bytes=int(settings.fal_max_download_mb * 1024 * 1024),
    )


def payment_providers(settings: Settings, clock: Clock) -> dict[str, PaymentProvider]:
    """The providers PAYMENT_PROVIDERS lists, in its order (the Billing page offers them in that order)."""
    providers: dict[str, PaymentProvider] = {}
    for name in settings.payment_provider_list:
        if name == "stripe":
            from core.adapters.stripe_payments import StripePayments

            providers[name] = StripePayments(
                settings.stripe_secret_key.get_secret_value(),
                settings.stripe_webhook_secret.get_secret_value(),
                api_base=settings.stripe_api_base,
            )
        elif name == "creem":
            from core.adapters.creem_payments import CreemPayments

            providers[name] = CreemPayments(
                settings.creem_api_key.get_secret_value(),
                settings.creem_webhook_secret.get_secret_value(),
                api_base=settings.creem_api_base,
            )
        else:
            from core.adapters.demo_payments import DemoPayments

            providers[name] = DemoPayments(clock)
    return providers


def _blobs(settings: Settings, keyring: Keyring | None, store: str = "media") -> BlobStore:
    """The media store, or the withheld store: images the safety check withheld, kept apart until reviewed. On the
    local disk (DATA_DIR/<store>) or in an S3 bucket (under "<S3_PREFIX><store>/"). Encrypted at rest
    (core/adapters/encrypted_blobs.py) either way, unless ENCRYPT_BLOBS is off (refused in production)."""
    raw: BlobStore
    if settings.blob_store == "s3":
        raw = s3_store(settings, store)
    elif settings.blob_store == "local":
        from core.adapters.local_blobs import LocalBlobStore

        raw = LocalBlobStore(settings.data_dir / store)
    else:
        raise ConfigurationError(f"Unknown BLOB_STORE {settings.blob_store!r}; this build has: local, s3.")
    if keyring is None:
        return raw
    from core.adapters.encrypted_blobs import EncryptedBlobStore

    return EncryptedBlobStore(raw, keyring)


def s3_store(settings: Settings, store: str) -> BlobStore:
    """The S3_* settings' bucket, as one store of raw bytes under "<S3_PREFIX><store>/" (the blob migration
    writes there too, as it is: ciphertext stays ciphertext)."""
    if not settings.s3_bucket.strip():
        raise ConfigurationError("BLOB_STORE=s3, but S3_BUCKET is not set: name the bucket that holds the images.")
    from core.adapters.s3_blobs import S3BlobStore, connect

    client = connect(
        endpoint_url=settings.s3_endpoint_url,
        region=settings.s3_region,
        access_key_id=settings.s3_access_key_id.get_secret_value(),
        secret_access_key=settings.s3_secret_access_key.get_secret_value(),
        addressing=settings.s3_addressing,
    )
    return S3BlobStore(client, settings.s3_bucket.strip(), f"{settings.s3_prefix}{store}/")


def encryption_keys(settings: Settings) -> Keyring:
    """ENCRYPTION_KEYS, or in development (where it is empty) a key made on first run and kept in the data folder
    (production refuses to start without ENCRYPTION_KEYS: core/settings.py)."""
    configured = settings.encryption_keys.get_secret_value()
    path: Path = settings.data_dir / DEV_KEY_FILE
    if configured:
        keyring = parse_keys(configured)
        if settings.app_env != Environment.PRODUCTION and path.is_file():
            # Keys configured after running on the development key: it stays readable, as a retired key, so the
            # rotation moves those images under the configured key instead of leaving them unreadable.
            keyring = keyring.with_retired(parse_keys(path.read_text().strip(), f"the key file {path}"))
        return keyring
    keyring = parse_keys(kept_secret(path, new_key_entry), f"the key file {path}")
    log.info("Stored files are encrypted with the development key in %s (set ENCRYPTION_KEYS to use your own)", path)
    return keyring


def _media_secret(settings: Settings) -> bytes:
    """MEDIA_SECRET, or in development a random key kept in the data folder across restarts."""
    configured = settings.media_secret.get_secret_value()
    if configured:
        return configured.encode()
    return kept_secret(settings.data_dir / "media-secret.key", lambda: secrets.token_hex(32)).encode()
