"""What makes more from an image: the form of a Vary (same settings, new seeds), a subtle variation, an upscale and
a fill. Pure rules: the service reads the job and the catalogue, these decide what the new job asks for."""

from __future__ import annotations

from collections.abc import Sequence

from core.domain.catalogue import GenerationKind, Input, ModelInfo
from core.domain.generation import GenerationForm, GenerationView

# Said to an edit model (FLUX.1 Kontext and the like) to vary a picture without recomposing it. The offline
# editor reads it too: its vocabulary has "subtle variation" (small, seeded shifts in light, colour and grain).
SUBTLE_VARIATION_PROMPT = "Make a subtle variation of this image while keeping its composition"
# An upscaler is told what the picture shows where we know it; otherwise a plain description of the aim.
UPSCALE_PROMPT = "A sharp, detailed, high-resolution version of this picture"
_VARIED_KINDS = (GenerationKind.TEXT_TO_IMAGE, GenerationKind.EDIT, GenerationKind.MULTI_REFERENCE)
NOT_VARIED = "Vary makes new images from a prompt, an edit or a combination; use Vary subtly on this one."


def vary_refusal(job: GenerationView | None) -> str:
    """Why this image cannot be varied ("" when it can): an upload has no settings, an upscale or a fill has no
    seed-driven settings worth repeating."""
    if job is None:
        return "An uploaded image has no settings to vary; use Vary subtly or Edit instead."
    if job.kind not in _VARIED_KINDS:
        return NOT_VARIED
    return ""


def vary_form(job: GenerationView, max_images: int = 4) -> GenerationForm:
    """The source job again, to the setting, with a new random seed: its kind, model, prompt, shape, options,
    images and count (within what the model makes per job)."""
    if refusal := vary_refusal(job):
        raise ValueError(refusal)
    return GenerationForm(
        kind=job.kind,
        prompt=job.prompt,
        model=job.model,
        aspect_ratio=job.aspect_ratio or "1:1",
        seed=None,  # a new seed is drawn and recorded
        num_images=max(1, min(job.num_images, max_images)),
        output_format=job.output_format,
        source_image_id=job.input_image_ids[0] if job.kind == GenerationKind.EDIT and job.input_image_ids else None,
        options=dict(job.options),
        reference_ids=tuple(job.input_image_ids) if job.kind == GenerationKind.MULTI_REFERENCE else (),
    )


def family(model_id: str) -> str:
    """A model's family in the catalogue's ids: "kontext-pro" for "kontext-pro", "kontext-pro-edit" and
    "kontext-pro-multi"; "offline" for "offline-draw"."""
    for suffix in ("-edit", "-multi", "-draw"):
        if model_id.endswith(suffix):
            return model_id.removesuffix(suffix)
    return model_id


def model_for(kind: GenerationKind, models: Sequence[ModelInfo], source_model: str = "") -> ModelInfo | None:
    """The model of `kind` that goes with the source's: the same family where the catalogue has one (Kontext [pro]
    edits what Kontext [pro] made), else the first one listed; None when the engine offers none."""
    offered = [m for m in models if m.kind == kind]
    if source_model:
        wanted = family(source_model)
        same = next((m for m in offered if family(m.id) == wanted), None)
        if same is not None:
            return same
    return offered[0] if offered else None


def subtle_form(image_id: int, model: ModelInfo, job: GenerationView | None) -> GenerationForm:
    """Edit this image with the variation instruction: as many images as its job made (within the model's
    limit), in the source's format where the model writes it."""
    count = max(1, min(job.num_images if job else 1, model.max_images))
    return GenerationForm(
        kind=GenerationKind.EDIT,
        prompt=SUBTLE_VARIATION_PROMPT,
        model=model.id,
        num_images=count,
        output_format=_format(model, job),
        source_image_id=image_id,
    )


def upscale_form(image_id: int, model: ModelInfo, job: GenerationView | None) -> GenerationForm:
    """Upscale this image: one image, described by its own prompt where it has one."""
    described = job is not None and job.kind == GenerationKind.TEXT_TO_IMAGE and job.prompt.strip()
    return GenerationForm(
        kind=GenerationKind.UPSCALE,
        prompt=job.prompt if described and job else UPSCALE_PROMPT,
        model=model.id,
        num_images=1,
        output_format=_format(model, job),
        source_image_id=image_id,
    )


def fill_form(image_id: int, model: ModelInfo, prompt: str, job: GenerationView | None = None) -> GenerationForm:
    """Paint the masked region of this image anew from `prompt`, in the source's format where the model writes it
    (the mask travels apart: core/services/job_masks.py)."""
    return GenerationForm(
        kind=GenerationKind.FILL,
        prompt=prompt,
        model=model.id,
        output_format=_format(model, job),
        source_image_id=image_id,
    )


def _format(model: ModelInfo, job: GenerationView | None) -> str:
    """The source's format where the model writes it, else "" (the model's default)."""
    spec = model.accepts(Input.OUTPUT_FORMAT)
    return job.output_format if job and spec and spec.allows(job.output_format) else ""


def upscaled_size(width: int, height: int, factor: int) -> tuple[int, int]:
    return width * factor, height * factor
