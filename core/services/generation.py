"""GenerationService: price, validate and submit create/edit jobs, and report on them to their owner."""

from __future__ import annotations

import uuid

from sqlalchemy.exc import IntegrityError

from core.clock import Clock
from core.domain import (
    MAX_PROMPT_CHARS,
    EngineRequest,
    FormLimits,
    GenerationForm,
    GenerationKind,
    GenerationView,
    ImageView,
    JobStatus,
    ModelInfo,
    UserView,
)
from core.errors import NotFoundError, ValidationError
from core.images import clean_upload
from core.ports import BlobStore, ImageEngine
from core.services import ledger
from core.services.image_store import delete_blobs, store_image
from core.services.jobs import JobRunner
from core.services.leases import Lease
from core.services.validation import check_form, check_token, nearest_aspect_ratio
from core.services.views import generation_view, image_view
from core.signing import MediaSigner
from core.text import plural
from db.tables import Generation, Image
from db.uow import Database


class GenerationService:
    def __init__(
        self,
        db: Database,
        engine: ImageEngine,
        blobs: BlobStore,
        signer: MediaSigner,
        runner: JobRunner,
        clock: Clock,
        *,
        credits_per_image: int,
        max_upload_bytes: int,
        max_pixels: int,
        max_prompt_chars: int = MAX_PROMPT_CHARS,
    ) -> None:
        self.db, self.engine, self.blobs, self.signer, self.runner, self.clock = (
            db,
            engine,
            blobs,
            signer,
            runner,
            clock,
        )
        self.credits_per_image = credits_per_image
        self.max_pixels = max_pixels
        self.limits = FormLimits(max_prompt_chars=max_prompt_chars, max_upload_bytes=max_upload_bytes)

    @property
    def engine_is_ai(self) -> bool:
        return self.engine.is_ai_model

    def edit_help(self) -> str:
        return self.engine.edit_help

    def models(self, kind: GenerationKind) -> list[ModelInfo]:
        return [m for m in self.engine.models() if m.kind == kind]

    def quote(self, num_images: int) -> int:
        """Credits a job costs; shown before submitting and held when it is submitted."""
        return max(num_images, 0) * self.credits_per_image

    @staticmethod
    def new_token() -> str:
        """An idempotency token for one rendering of the form; it becomes the job's id."""
        return uuid.uuid4().hex

    def submit(self, user: UserView, form: GenerationForm, token: str) -> GenerationView:
        """Hold the credits and create the job in one transaction, then hand it to the engine.

        Submitting the same token twice returns the first job and changes nothing.
        """
        generation_id = check_token(token)
        existing = self.find(user, generation_id)
        if existing is not None:
            return existing
        prompt, seed = check_form(form, self.limits.max_prompt_chars)
        self._check_model(form)
        source, upload_row = self._source_image(user, form)
        aspect_ratio = nearest_aspect_ratio(source.width, source.height) if source else form.aspect_ratio
        num_images = 1 if form.kind == GenerationKind.EDIT else form.num_images
        source_bytes = self.blobs.get(source.blob_key) if source else None
        request = EngineRequest(
            form.kind, form.model, prompt, aspect_ratio, seed, num_images, form.output_format, source_bytes
        )
        try:
            self.engine.check(request)  # refuse what the engine cannot do before charging anything
            lease = self._create(user, request, generation_id, source, upload_row)
        except IntegrityError:
            # The job row is written before the hold, so a second submit of the same token stops
            # here, on the job's primary key, and never reaches the credit check.
            self._forget_upload(upload_row)
            found = self.find(user, generation_id)  # a double click raced us; the first one won
            if found is None:  # the token names somebody else's job
                raise ValidationError("This form was already used. Reload the page and submit again.") from None
            return found
        except BaseException:
            self._forget_upload(upload_row)
            raise
        self.runner.start(lease)
        return self.status(user, generation_id)

    def status(self, user: UserView, generation_id: str) -> GenerationView:
        found = self.find(user, generation_id)
        if found is None:
            raise NotFoundError("That generation does not exist.")
        return found

    def recent(self, user: UserView, limit: int = 6) -> list[GenerationView]:
        """The user's latest jobs with their images, newest first: what the Generate page shows after a reload."""
        with self.db.reader() as uow:
            rows = uow.generations.recent_for_user(user.id, limit)
            prompts = {row.id: row.prompt for row in rows}
            images: dict[str, list[ImageView]] = {row.id: [] for row in rows}
            for image in uow.images.for_generations(list(prompts)):
                job = image.generation_id or ""
                images[job].append(image_view(image, self.signer, prompts[job]))
            return [generation_view(row, images[row.id]) for row in rows]

    def poll(self, user: UserView, generation_id: str) -> GenerationView:
        """Move the job forward if nobody else is, then report (the page's progress display calls this)."""
        view = self.status(user, generation_id)
        if view.status.in_flight:
            self.runner.advance(generation_id)
            view = self.status(user, generation_id)
        return view

    def cancel(self, user: UserView, generation_id: str) -> GenerationView:
        if self.status(user, generation_id).status.in_flight:  # scoped to the owner first
            self.runner.cancel(generation_id)
        return self.status(user, generation_id)

    def _create(
        self, user: UserView, request: EngineRequest, generation_id: str, source: Image | None, upload_row: Image | None
    ) -> Lease:
        """Job row first, then the hold, in one transaction; the creator keeps a lease to send it."""
        cost = self.quote(request.num_images)
        now = self.clock()
        lease, lease_until = self.runner.leases.new(generation_id)
        with self.db.uow() as uow:
            if upload_row is not None:
                source = uow.images.add(upload_row)
            uow.generations.add(
                Generation(
                    id=generation_id,
                    user_id=user.id,
                    kind=request.kind.value,
                    status=JobStatus.QUEUED.value,
                    prompt=request.prompt,
                    model=request.model,
                    # An edit keeps its source's shape: its images record their real size instead.
                    aspect_ratio="" if request.kind == GenerationKind.EDIT else request.aspect_ratio,
                    seed=request.seed,
                    num_images=request.num_images,
                    output_format=request.output_format,
                    parent_image_id=source.id if source else None,
                    cost=cost,
                    status_message="Submitting",
                    lease_owner=lease.owner,
                    lease_until=lease_until,
                    created_at=now,
                    updated_at=now,
                )
            )
            noun = "edit" if request.kind == GenerationKind.EDIT else plural(request.num_images, "image")
            ledger.hold(uow, user.id, cost, generation_id, f"Hold for {noun}")
            uow.commit()
        return lease

    def _source_image(self, user: UserView, form: GenerationForm) -> tuple[Image | None, Image | None]:
        """The image an edit starts from: (source row, new upload row not yet in the database)."""
        if form.kind != GenerationKind.EDIT:
            return None, None
        if form.upload is not None:
            clean = clean_upload(form.upload, max_bytes=self.limits.max_upload_bytes, max_pixels=self.max_pixels)
            row = store_image(self.blobs, user.id, clean, source="upload")
            return row, row
        with self.db.reader() as uow:
            found = uow.images.get_for_user(user.id, form.source_image_id or 0)
        if found is None:
            raise ValidationError("That image is not in your gallery any more. Pick another one.")
        return found, None

    def _check_model(self, form: GenerationForm) -> None:
        if form.model not in {m.id for m in self.models(form.kind)}:
            raise ValidationError("Choose one of the listed models.")

    def _forget_upload(self, upload_row: Image | None) -> None:
        if upload_row is not None:
            delete_blobs(self.blobs, [upload_row])

    def find(self, user: UserView, generation_id: str) -> GenerationView | None:
        """The user's job with this id, with its images, or None (a token not used yet, or not theirs)."""
        with self.db.reader() as uow:
            row = uow.generations.get_for_user(user.id, generation_id)
            if row is None:
                return None
            images = [image_view(i, self.signer, row.prompt) for i in uow.images.for_generation(generation_id)]
            return generation_view(row, images)
