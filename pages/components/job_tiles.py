"""Grid tiles for jobs: a placeholder per image still being made (its state and elapsed time), or the images."""

from __future__ import annotations

from datetime import datetime

from core.domain import GenerationView, ImageView, JobStatus
from pages.components.image_grid import GridItem
from pages.components.media import ALT_CHARS, image_alt

IMAGE_ACTIONS = ("open", "download", "reuse", "vary", "edit")


def placeholder_tiles(job: GenerationView, now: datetime) -> list[GridItem]:
    """One tile per requested image, in the requested shape (square for an edit, whose shape is its source's)."""
    width, height = _shape(job.aspect_ratio)
    label = progress_label(job, now)
    gist = " ".join(job.prompt.split())[:ALT_CHARS]
    return [
        GridItem(
            id=f"job-{job.id}-{n}",
            src="",
            alt=f"{f'Image {n + 1} of {job.num_images}' if job.num_images > 1 else 'Image'} being made: {gist}",
            width=width,
            height=height,
            label=label,
            actions=(),
        )
        for n in range(job.num_images)
    ]


def image_tiles(
    images: list[ImageView],
    of: int,
    actions: tuple[str, ...] = IMAGE_ACTIONS,
    *,
    star: bool = False,
    caption: tuple[tuple[str, bool], ...] = (),
) -> list[GridItem]:
    """Tiles for stored images; with `star` each shows its favourite star, and `caption` (search matches
    marked) is shown under every tile."""
    return [
        GridItem(
            id=str(image.id),
            src=image.preview_url,
            alt=image_alt(image, of),
            width=image.width,
            height=image.height,
            download_url=image.download_url,
            actions=actions,
            thumbhash=image.thumbhash,
            starred=image.favourite if star else None,
            caption=caption,
        )
        for image in images
    ]


def progress_label(job: GenerationView, now: datetime) -> str:
    if job.status == JobStatus.QUEUED:
        position = f" · #{job.queue_position} in line" if job.queue_position and job.queue_position > 1 else ""
        return f"Queued{position} · {elapsed(job, now)}"
    percent = f" {job.progress:.0%}" if job.progress > 0 else ""
    return f"Running{percent} · {elapsed(job, now)}"


def elapsed(job: GenerationView, now: datetime) -> str:
    seconds = max(0, int(((job.finished_at or now) - job.created_at).total_seconds()))
    return f"{seconds} s" if seconds < 120 else f"{seconds // 60} min"


def _shape(aspect_ratio: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in aspect_ratio.split(":"))
    except ValueError:
        return 1, 1
    return width, height
