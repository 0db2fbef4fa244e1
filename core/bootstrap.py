"""The composition root: builds every adapter and service from settings, with overrides for tests."""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import secrets
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from core.billing_catalogue import load_offers
from core.clock import Clock, utc_now
from core.errors import ConfigurationError
from core.ports import BlobStore, ImageEngine, PaymentProvider
from core.pricing import starter_shortfall
from core.services.accounts import AccountService
from core.services.admin import AdminService
from core.services.billing import BillingService
from core.services.collections import CollectionService
from core.services.credits import CreditService
from core.services.gallery import GalleryService
from core.services.generation import GenerationService
from core.services.history_export import HistoryExportService
from core.services.jobs import JobRunner
from core.services.local_sessions import LocalSessions
from core.services.media import MediaService
from core.settings import Environment, Settings, load_settings
from core.signing import FAL_WEBHOOK_PATH, FAL_WEBHOOK_PURPOSE, ExportSigner, MediaSigner, Signer
from db.engine import make_engine
from db.uow import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Container:
    settings: Settings
    db: Database
    engine: ImageEngine
    engine_notice: str  # said on the Generate page: e.g. fal.ai was chosen but has no key
    media_secret: bytes  # signs media links and the fal webhook address
    blobs: BlobStore
    accounts: AccountService
    admin: AdminService
    billing: BillingService
    credits: CreditService
    generation: GenerationService
    gallery: GalleryService
    collections: CollectionService
    media: MediaService
    exports: HistoryExportService
    jobs: JobRunner
    local_sessions: LocalSessions


def bootstrap(
    settings: Settings | None = None,
    *,
    engine: ImageEngine | None = None,
    blobs: BlobStore | None = None,
    db: Database | None = None,
    clock: Clock | None = None,
    payments: dict[str, PaymentProvider] | None = None,
) -> Container:
    settings = settings or load_settings()
    check_sign_in(settings)
    clock = clock or settings_clock(settings)
    db = db or Database(make_engine(settings.resolved_database_url))
    secret = _media_secret(settings)
    notice = ""
    if engine is None:
        engine, notice = _engine(settings, secret)
    check_starter_grant(settings, engine)
    blobs = blobs or _blobs(settings)
    signer = MediaSigner(secret, settings.media_url_ttl_seconds, clock)
    jobs = JobRunner(
        db,
        engine,
        blobs,
        clock,
        timeout_seconds=settings.generation_timeout_seconds,
        max_pixels=settings.max_image_pixels,
        lease_seconds=settings.job_lease_seconds,
        max_send_attempts=settings.engine_send_attempts,
    )
    generation = GenerationService(
        db,
        engine,
        blobs,
        signer,
        jobs,
        clock,
        max_upload_bytes=settings.max_upload_bytes,
        max_pixels=settings.max_image_pixels,
        max_prompt_chars=settings.max_prompt_chars,
        notice=notice,
    )
    return Container(
        settings=settings,
        db=db,
        engine=engine,
        engine_notice=notice,
        media_secret=secret,
        blobs=blobs,
        accounts=AccountService(
            db,
            clock,
            starter_credits=settings.starter_credits,
            admin_emails=settings.admin_email_list,
            session_max_age=timedelta(days=settings.session_max_days),
            sign_in_retention=timedelta(days=settings.sign_in_retention_days),
            model_ids=tuple(m.id for m in engine.models()),
        ),
        admin=AdminService(db, clock),
        billing=BillingService(
            db,
            payments if payments is not None else payment_providers(settings, clock),
            load_offers(settings.billing_catalogue_file),
            clock,
            seller=settings.billing_seller,
            public_base_url=settings.public_base_url,
        ),
        credits=CreditService(db, signer),
        generation=generation,
        gallery=GalleryService(db, blobs, signer, settings.gallery_page_size),
        collections=CollectionService(db),
        media=MediaService(db, blobs, signer),
        exports=HistoryExportService(db, blobs, ExportSigner(secret, clock), clock),
        jobs=jobs,
        local_sessions=LocalSessions(
            db,
            clock,
            secret,
            max_age=timedelta(days=settings.session_max_days),
            enabled=settings.auth_mode == "local",
        ),
    )


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


def _blobs(settings: Settings) -> BlobStore:
    if settings.blob_store == "local":
        from core.adapters.local_blobs import LocalBlobStore

        return LocalBlobStore(settings.data_dir / "media")
    raise ConfigurationError(f"Unknown BLOB_STORE {settings.blob_store!r}; this build has: local.")


def _media_secret(settings: Settings) -> bytes:
    """MEDIA_SECRET, or in development a random key kept in the data folder across restarts."""
    configured = settings.media_secret.get_secret_value()
    if configured:
        return configured.encode()
    path: Path = settings.data_dir / "media-secret.key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # Written whole into a private temp file (mkstemp creates it 0600), then linked into place:
        # the key is never readable by others, and a process starting at the same moment either
        # wins the link or reads the complete key of the one that did, never an empty file.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".media-secret-")
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    return path.read_text().strip().encode()
