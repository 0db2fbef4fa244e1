"""VariationService: make more from one image (Vary, Vary subtly, Upscale, Vary region) through the normal submit.

Each action builds a form from the image and its job (core/domain/variations.py) and hands it to
GenerationService.submit, so the quote on the button is the hold, the token is the job's id and a double click
makes one job. What only these actions need is checked here first, before anything is charged: the pixel limit of
an upscale, and a fill's mask (cleaned to the image's size and stored under the job's id).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core.domain import UPSCALE_FACTOR, GenerationForm, GenerationKind, GenerationView, ModelInfo, UserView
from core.domain import variations as rules
from core.errors import NotFoundError, ValidationError
from core.masks import clean_mask
from core.ports import BlobStore
from core.services.generation import GenerationService
from core.services.job_masks import forget_mask, store_mask
from core.services.validation import check_token
from db.tables import Image
from db.uow import Database

_UNOFFERED = {
    GenerationKind.EDIT: "This engine has no edit model for a subtle variation.",
    GenerationKind.UPSCALE: "This engine offers no upscaler.",
    GenerationKind.FILL: "This engine offers no model to paint a region.",
}


@dataclass(frozen=True)
class Offer:
    """One action on the image: its price, or why it cannot be done ("" when it can)."""

    credits: int = 0
    refusal: str = ""

    @property
    def available(self) -> bool:
        return not self.refusal


@dataclass(frozen=True)
class Offers:
    vary: Offer
    subtle: Offer
    upscale: Offer
    fill: Offer  # priced with the default settings of the fill model


class VariationService:
    def __init__(self, db: Database, blobs: BlobStore, generation: GenerationService) -> None:
        self.db, self.blobs, self.generation = db, blobs, generation

    def offers(self, user: UserView, image_id: int) -> Offers:
        """What each action on this image would cost, or why it is not offered; nothing is held."""
        image, job = self._source(user, image_id)
        return Offers(
            vary=self._offer(user, lambda: self._vary_form(job)),
            subtle=self._offer(user, lambda: self._subtle_form(image, job)),
            upscale=self._offer(user, lambda: self._upscale_form(image, job)),
            fill=self._offer(user, lambda: self._fill_form(image, job, "x")),
        )

    def vary(self, user: UserView, image_id: int, token: str) -> GenerationView:
        """New images from the same settings as this image's job, with a new seed."""
        _, job = self._source(user, image_id)
        return self.generation.submit(user, self._vary_form(job), token)

    def vary_subtly(self, user: UserView, image_id: int, token: str) -> GenerationView:
        """This image edited by the variation instruction: the composition stays, details move."""
        image, job = self._source(user, image_id)
        return self.generation.submit(user, self._subtle_form(image, job), token)

    def upscale(self, user: UserView, image_id: int, token: str) -> GenerationView:
        """This image, UPSCALE_FACTOR times as wide and high: a new image linked to it in the edit chain."""
        image, job = self._source(user, image_id)
        return self.generation.submit(user, self._upscale_form(image, job), token)

    def fill(self, user: UserView, image_id: int, mask_png: bytes, prompt: str, token: str) -> GenerationView:
        """Paint the white part of `mask_png` anew from `prompt`. The mask is cleaned to the image's size and kept
        under the job's id (core/services/job_masks.py) before the job is created; a refused submit removes it."""
        generation_id = check_token(token)
        if (known := self.generation.find(user, generation_id)) is not None:
            return known  # a second click: the first job, with its own mask
        image, job = self._source(user, image_id)
        form = self._fill_form(image, job, prompt)
        mask = clean_mask(mask_png, image.width, image.height)
        store_mask(self.blobs, user.id, generation_id, mask)
        try:
            return self.generation.submit(user, form, generation_id)
        except BaseException:
            if self.generation.find(user, generation_id) is None:
                forget_mask(self.blobs, user.id, generation_id)
            raise

    def _source(self, user: UserView, image_id: int) -> tuple[Image, GenerationView | None]:
        with self.db.reader() as uow:
            image = uow.images.get_for_user(user.id, image_id)
        if image is None:
            raise NotFoundError("That image is not in your gallery any more.")
        job = self.generation.find(user, image.generation_id) if image.generation_id else None
        return image, job

    def _model(self, kind: GenerationKind, job: GenerationView | None) -> ModelInfo:
        found = rules.model_for(kind, self.generation.models(kind), job.model if job else "")
        if found is None:
            raise ValidationError(_UNOFFERED[kind])
        return found

    def _vary_form(self, job: GenerationView | None) -> GenerationForm:
        if refusal := rules.vary_refusal(job):
            raise ValidationError(refusal)
        assert job is not None
        model = next((m for m in self.generation.models(job.kind) if m.id == job.model), None)
        if model is None:
            raise ValidationError("The model that made this image is no longer offered; use Vary subtly instead.")
        return rules.vary_form(job, model.max_images)

    def _subtle_form(self, image: Image, job: GenerationView | None) -> GenerationForm:
        return rules.subtle_form(_id(image), self._model(GenerationKind.EDIT, job), job)

    def _upscale_form(self, image: Image, job: GenerationView | None) -> GenerationForm:
        limit = self.generation.max_pixels
        width, height = rules.upscaled_size(image.width, image.height, UPSCALE_FACTOR)
        if width * height > limit:
            raise ValidationError(
                f"Upscaled {UPSCALE_FACTOR}×, this {image.width:,} × {image.height:,} picture would be "
                f"{width:,} × {height:,} pixels, over the limit of {limit / 1_000_000:.3g} megapixels. "
                "Upscale a smaller picture, or crop this one first."
            )
        return rules.upscale_form(_id(image), self._model(GenerationKind.UPSCALE, job), job)

    def _fill_form(self, image: Image, job: GenerationView | None, prompt: str) -> GenerationForm:
        return rules.fill_form(_id(image), self._model(GenerationKind.FILL, job), prompt, job)

    def _offer(self, user: UserView, form: Callable[[], GenerationForm]) -> Offer:
        try:
            return Offer(credits=self.generation.quote(user, form()))
        except ValidationError as exc:
            return Offer(refusal=str(exc))


def _id(image: Image) -> int:
    assert image.id is not None
    return image.id
