"""What reproduces an image: the draft that makes it again, its own seed, and the facts of how it was made."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, TypedDict

from core.domain.catalogue import INPUT_LABELS, GenerationKind, Input, parse_image_size
from core.domain.generation import GenerationView, ImageView
from core.text import plural

ReusePart = Literal["all", "prompt", "seed"]


class Draft(TypedDict, total=False):
    """What to put in the Generate form. A key left out leaves that part of the form as it is."""

    kind: GenerationKind
    prompt: str
    model: str
    aspect_ratio: str
    seed: int | None
    num_images: int
    output_format: str
    options: dict[str, object]
    source_image_id: int | None  # an edit's image
    reference_ids: list[int]  # a combination's images, in order


def edit_draft(image_id: int) -> Draft:
    """Edit this image: the Edit form with it picked and an empty instruction."""
    return {"kind": GenerationKind.EDIT, "source_image_id": image_id, "prompt": ""}


def reuse_draft(job: GenerationView, image: ImageView | None = None, part: ReusePart = "all") -> Draft:
    """What reproduces `image` (or the whole job): the same model and settings, with the image's own seed and
    one image where the engine reported that image's seed. `part` "prompt" or "seed" takes only that."""
    own_seed = image is not None and image.seed is not None and job.kind == GenerationKind.TEXT_TO_IMAGE
    seed = image.seed if own_seed and image is not None else job.seed
    if part == "seed":
        return {"seed": seed}
    if part == "prompt" or not job.kind.in_prompt_bar:
        # An upscale or a region fill is started from the image view, not the prompt bar: its words go to Create.
        return {"kind": job.kind if job.kind.in_prompt_bar else GenerationKind.TEXT_TO_IMAGE, "prompt": job.prompt}
    draft: Draft = {
        "kind": job.kind,
        "prompt": job.prompt,
        "model": job.model,
        "aspect_ratio": job.aspect_ratio,
        "seed": seed,
        "num_images": 1 if own_seed else job.num_images,
        "output_format": job.output_format,
        "options": dict(job.options),
    }
    if job.kind == GenerationKind.EDIT:
        draft["source_image_id"] = job.parent_image_id
    elif job.kind == GenerationKind.MULTI_REFERENCE:
        draft["reference_ids"] = list(job.input_image_ids)
    return draft


def seed_text(image: ImageView, job: GenerationView) -> str:
    """This image's own seed (what reproduces it); in a batch, also its place and the job's seed."""
    own = str(image.seed) if image.seed is not None else "not reported"
    if job.num_images == 1 or job.kind != GenerationKind.TEXT_TO_IMAGE:
        return own if image.seed is not None else str(job.seed)
    return f"{own} (image {image.position + 1} of {job.num_images}, job seed {job.seed})"


def image_facts(image: ImageView, job: GenerationView | None, model_label: str = "", style: str = "") -> dict[str, str]:
    """How the image was made, as label → value in the order a person reads them (the image view's table);
    `style` names the preset picked on Generate ("Watercolour (retired)"), if any."""
    facts = {"Size": f"{image.width} × {image.height} px", "Format": image.content_type.split("/")[-1].upper()}
    if job is None:
        return {**facts, "Uploaded": f"{image.created_at:%Y-%m-%d %H:%M} UTC"}
    facts = {"Model": model_label or job.model, **({"Style": style} if style else {}), **facts}
    if job.aspect_ratio:
        facts["Aspect ratio"] = job.aspect_ratio
    if job.kind == GenerationKind.TEXT_TO_IMAGE or image.seed is not None:
        facts["Seed"] = seed_text(image, job)  # an edit's seed, where the engine used one
    facts.update(describe_options(job.options))
    facts["Cost"] = cost_text(job.charged, job.num_images)
    facts["Created"] = f"{job.created_at:%Y-%m-%d %H:%M} UTC"
    if job.provider_request_id:
        facts["Request ID"] = job.provider_request_id.rsplit("/", 1)[-1]
    return facts


def cost_text(charged: int, images: int) -> str:
    credits = plural(charged, "credit")
    return f"{credits} for {plural(images, 'image')}" if images > 1 else credits


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
