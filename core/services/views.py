"""Turn table rows into the read models (DTOs) that services hand to pages."""

from __future__ import annotations

from collections.abc import Mapping

from core.domain import (
    AdminUserRow,
    GenerationKind,
    GenerationView,
    ImageView,
    Input,
    JobStatus,
    LedgerEntryView,
    Role,
    StatementRow,
    UserView,
)
from core.domain.catalogue import INPUT_LABELS, parse_image_size
from core.signing import MediaSigner
from db.repositories.generations import JobFacts
from db.repositories.ledger import StatementLine
from db.tables import Generation, Image, LedgerEntry, User


def user_view(user: User) -> UserView:
    assert user.id is not None
    return UserView(
        id=user.id,
        email=user.email,
        display_name=display_name(user),
        role=Role(user.role),
        balance=user.balance,
        session_version=user.session_version,
        avatar_url=user.avatar_url,
    )


def admin_user_row(user: User, image_count: int) -> AdminUserRow:
    assert user.id is not None
    return AdminUserRow(
        id=user.id,
        email=user.email,
        display_name=display_name(user),
        role=Role(user.role),
        balance=user.balance,
        image_count=image_count,
        last_sign_in_at=user.last_sign_in_at,
        created_at=user.created_at,
    )


def display_name(user: User) -> str:
    """The name the user chose, else the provider's, else the part of the email before the @."""
    return user.display_name or user.provider_name or user.email.split("@")[0]


def image_view(image: Image, signer: MediaSigner, prompt: str = "", job: JobFacts | None = None) -> ImageView:
    """The image as pages see it; `job` (its job's facts) fills the prompt, model and kind in one go."""
    assert image.id is not None
    return ImageView(
        id=image.id,
        generation_id=image.generation_id,
        width=image.width,
        height=image.height,
        content_type=image.content_type,
        created_at=image.created_at,
        thumb_url=signer.url(image.public_id, "thumb"),
        preview_url=signer.url(image.public_id, "preview"),
        original_url=signer.url(image.public_id, "original"),
        download_url=signer.url(image.public_id, "original", download=True),
        source=image.source,
        position=image.position,
        seed=image.seed,
        prompt=job.prompt if job is not None else prompt,
        model=job.model if job is not None else "",
        kind=job.kind if job is not None else "",
        favourite=image.favourite,
        thumbhash=image.thumbhash,
        aspect=image.aspect,
    )


def generation_view(
    row: Generation, images: list[ImageView] | None = None, input_image_ids: tuple[int, ...] = ()
) -> GenerationView:
    return GenerationView(
        id=row.id,
        kind=GenerationKind(row.kind),
        status=JobStatus(row.status),
        prompt=row.prompt,
        model=row.model,
        aspect_ratio=row.aspect_ratio,
        seed=row.seed,
        num_images=row.num_images,
        output_format=row.output_format,
        cost=row.cost,
        charged=row.charged,
        created_at=row.created_at,
        finished_at=row.finished_at,
        parent_image_id=row.parent_image_id,
        queue_position=row.queue_position,
        progress=row.progress,
        status_message=row.status_message,
        images=images or [],
        options=dict(row.options or {}),
        input_image_ids=input_image_ids,
        blocked=row.blocked,
        provider_request_id=row.provider_request_id,
    )


def ledger_view(entry: LedgerEntry) -> LedgerEntryView:
    assert entry.id is not None
    return LedgerEntryView(
        id=entry.id,
        created_at=entry.created_at,
        kind=entry.kind,
        reason=entry.reason,
        delta=entry.delta,
        reference=entry.reference,
    )


def statement_row(
    line: StatementLine,
    balance_after: int,
    job: tuple[Generation, Image | None] | None,
    signer: MediaSigner,
) -> StatementRow:
    """A statement line as a person reads it: a job says what it charged and returned, in numbers."""
    if line.generation_id is None:
        kind = line.kind.capitalize()
        return StatementRow(
            id=line.last_id,
            created_at=line.last_at,
            kind=kind,
            description=f"{kind}: {line.reason}",
            change=line.change,
            balance_after=balance_after,
            reference=_reference_label(line.reference),
        )
    generation, image = job if job else (None, None)
    kind = "Edit" if generation and generation.kind == GenerationKind.EDIT else "Generation"
    ended = line.settled
    thumb = image_view(image, signer) if image else None
    return StatementRow(
        id=line.last_id,
        created_at=line.last_at,
        kind=kind,
        description=(
            f"{kind}: charged {-line.change}, returned {line.returned}" if ended else f"{kind}: held for a running job"
        ),
        change=line.change,
        balance_after=balance_after,
        generation_id=line.generation_id,
        held=line.held,
        charged=-line.change if ended else None,
        returned=line.returned if ended else None,
        prompt=generation.prompt if generation else "",
        image_id=thumb.id if thumb else None,
        thumb_url=thumb.thumb_url if thumb else None,
    )


def _reference_label(reference: str) -> str:
    """A payment's order as its receipt begins ("Order BE8D3C1D"); other references as written."""
    if reference.startswith("order "):
        return "Order " + reference.removeprefix("order ")[:8].upper()
    return reference


def describe_options(options: Mapping[str, object]) -> dict[str, str]:
    """A job's other settings in words: {"Guidance scale": "3.5", "Image size": "1920 × 1080 px", ...}."""
    described = {}
    for name, value in options.items():
        if name == Input.IMAGE_SIZE.value:
            size = parse_image_size(str(value))
            text = f"{size[0]} × {size[1]} px" if size else "auto (follows the image)"
        elif isinstance(value, bool):
            text = "on" if value else "off"
        else:
            text = f"{value:g}" if isinstance(value, float) else str(value)
        described[INPUT_LABELS.get(name, name)] = text
    return described
