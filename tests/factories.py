"""Builders for tests: containers over a given database, users, forms and images."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar
from urllib.parse import parse_qs, urlsplit

from PIL import ExifTags, Image
from sqlmodel import SQLModel

from core.adapters.local_blobs import LocalBlobStore
from core.adapters.memory_blobs import InMemoryBlobStore
from core.adapters.offline import OfflineImageEngine
from core.bootstrap import Container, bootstrap
from core.clock import Clock, utc_now
from core.domain import GenerationForm, GenerationKind, GenerationView, UserView
from core.identity import Identity, session_key
from core.ports import ImageEngine
from core.services.media import MediaFile
from core.settings import load_settings
from db.engine import make_engine
from db.uow import Database

TEST_SECRET = "test-media-secret-0123456789abcdef"
T = TypeVar("T")


def settings_for(tmp_path: Path, database_url: str = "sqlite://", **overrides: object):  # type: ignore[no-untyped-def]
    values: dict[str, object] = {
        "app_env": "test",
        "data_dir": tmp_path,
        "database_url": database_url,
        "media_secret": TEST_SECRET,
        "offline_engine_delay_seconds": 0,
        "starter_credits": 20,
        "credits_per_image": 1,
        "auth": {},  # never a developer's own secrets.toml [auth] section
    }
    values.update(overrides)
    return load_settings(**values)


def make_container(
    tmp_path: Path,
    database_url: str = "sqlite://",
    *,
    engine: ImageEngine | None = None,
    clock: Clock = utc_now,
    **overrides: object,
) -> Container:
    """A container over `database_url`; an in-memory SQLite URL gets its tables created directly."""
    settings = settings_for(tmp_path, database_url, **overrides)
    db = Database(make_engine(database_url))
    if database_url == "sqlite://":
        SQLModel.metadata.create_all(db.engine)
    # BLOB_STORE=s3 (tests/s3_server.py) is built from settings; otherwise memory or files under tmp_path.
    blobs = None if settings.blob_store == "s3" else _blobs(tmp_path, database_url)
    if engine is None and settings.image_engine == "fal":
        return bootstrap(settings, db=db, blobs=blobs, clock=clock)  # builds FalImageEngine
    engine = engine or OfflineImageEngine(
        tmp_path / "engine-queue",
        settings.offline_engine_delay_seconds,
        max_pixels=settings.max_image_pixels,
        credits_per_image=settings.credits_per_image,
    )
    return bootstrap(settings, engine=engine, blobs=blobs, db=db, clock=clock)


def _blobs(tmp_path: Path, database_url: str) -> InMemoryBlobStore | LocalBlobStore:
    # In-memory database, in-memory blobs: unit tests do no I/O beyond the engine's queue.
    return InMemoryBlobStore() if database_url == "sqlite://" else LocalBlobStore(tmp_path / "media")


def sign_up(container: Container, email: str = "alice@example.com") -> UserView:
    return container.accounts.sign_in_local(email).user


def refreshed(container: Container, user: UserView) -> UserView:
    found = container.accounts.get(user.id)
    assert found is not None
    return found


def create_form(prompt: str = "a red sun over blue mountains", **overrides: object) -> GenerationForm:
    values: dict[str, object] = {
        "kind": GenerationKind.TEXT_TO_IMAGE,
        "prompt": prompt,
        "model": "offline-draw",
        "aspect_ratio": "1:1",
        "seed": 7,
        "num_images": 1,
        "output_format": "png",
    }
    values.update(overrides)
    return GenerationForm(**values)  # type: ignore[arg-type]


def edit_form(instruction: str = "black and white", **overrides: object) -> GenerationForm:
    values: dict[str, object] = {
        "kind": GenerationKind.EDIT,
        "prompt": instruction,
        "model": "offline-edit",
        "output_format": "png",
    }
    values.update(overrides)
    return GenerationForm(**values)  # type: ignore[arg-type]


def camera_exif(orientation: int = 1) -> Image.Exif:
    """What a phone writes: its make, how to turn the picture, and where it was taken."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCo"
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 22.0, 5.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (4.0, 53.0, 7.0)
    return exif


def image_bytes(
    fmt: str = "PNG",
    size: tuple[int, int] = (120, 80),
    color: tuple[int, int, int] = (200, 40, 40),
    exif: Image.Exif | None = None,
) -> bytes:
    buffer = io.BytesIO()
    picture = Image.new("RGB", size, color)
    picture.save(buffer, fmt, **({"exif": exif} if exif is not None else {}))
    return buffer.getvalue()


def fetch_media(container: Container, url: str) -> bytes:
    """The bytes the media route serves for a signed URL, through the same service call it makes."""
    parts = urlsplit(url)
    _, _, _, public_id, variant = parts.path.split("/")
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    found = container.media.open(public_id, variant, query.get("exp", ""), query.get("sig", ""))
    assert isinstance(found, MediaFile), "a media redirect is fetched over HTTP"
    return b"".join(found.chunks)


def ledger_sum(container: Container, user: UserView) -> int:
    with container.db.reader() as uow:
        return uow.ledger.total(user.id)


class MovableClock:
    """A clock tests move by hand: `clock.advance(days=8)`."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 29, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def identity(
    sub: str = "alice-sub",
    email: str = "alice@example.com",
    *,
    issued_at: datetime,
    issuer: str = "https://idp.example.test",
    verified: bool = True,
    name: str = "Alice Example",
    browser: str = "one",
) -> Identity:
    """What `st.user` holds after a provider sign-in; `browser` names the sign-in (its cookie)."""
    return Identity(
        issuer=issuer,
        subject=sub,
        email=email,
        email_verified=verified,
        name=name,
        picture="",
        issued_at=issued_at,
        session_key=session_key(issuer, sub, browser, issued_at.isoformat()),
    )


def settle(container: Container, user: UserView, job_id: str) -> GenerationView:
    """The job as its owner sees it after one look by a worker, worked here in this thread: the job is woken (its
    pause between looks set aside, as fal's webhook does), claimed and stepped once. A fresh job is sent and, with
    an engine that is done at once, collected in that one step."""
    container.jobs.wake(job_id)
    container.jobs.advance(job_id)
    return container.generation.status(user, job_id)
