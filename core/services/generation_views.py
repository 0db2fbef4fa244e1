"""Jobs and images as pages see them: GenerationView and ImageView, with signed links to the image's files."""

from __future__ import annotations

from core.domain import GenerationKind, GenerationView, ImageView, JobStatus
from core.signing import MediaSigner
from db.repositories.generations import JobFacts
from db.tables import Generation, Image


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
        preset_id=row.preset_id,
    )
