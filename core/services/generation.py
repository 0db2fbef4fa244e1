"""GenerationService: price, validate and submit create/edit jobs, and report on them to their owner."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import replace

from core.clock import Clock
from core.domain import (
    MAX_PROMPT_CHARS,
    EngineRequest,
    FormLimits,
    GenerationForm,
    GenerationKind,
    GenerationView,
    ImageView,
    Input,
    ModelInfo,
    UserView,
)
from core.domain.catalogue import parse_image_size
from core.errors import DuplicateKeyError, NotFoundError, TooManyJobsError, UploadError, ValidationError
from core.image_inputs import image_size
from core.images import clean_upload
from core.model_names import model_name
from core.ports import BlobStore, Doorbell, ImageEngine
from core.pricing import quote
from core.services.generation_views import generation_view, image_view
from core.services.image_store import forget_blobs, store_image
from core.services.job_rows import PlannedJob, add_job
from core.services.jobs import JobRunner
from core.services.privacy import refuse_if_restricted, restriction_refusal
from core.services.validation import CheckedForm, check_form, check_token, nearest_aspect_ratio
from core.signing import MediaSigner
from db.tables import Image
from db.uow import Database

ENGINE_NAMES = {"fal": "fal.ai", "offline": "the offline engine"}  # as a job waiting to be sent names its engine


class GenerationService:
    def __init__(
        self,
        db: Database,
        engine: ImageEngine,
        blobs: BlobStore,
        signer: MediaSigner,
        runner: JobRunner,
        clock: Clock,
        doorbell: Doorbell,
        *,
        max_upload_bytes: int,
        max_pixels: int,
        max_prompt_chars: int = MAX_PROMPT_CHARS,
        notice: str = "",
        max_jobs_in_flight: int = 4,
    ) -> None:
        self.max_jobs_in_flight = max_jobs_in_flight  # one user's jobs queued or running at once
        self.notice = notice  # what the Generate page says about the engine (e.g. fal chosen without a key)
        self.db, self.engine, self.blobs, self.signer, self.runner, self.clock = (
            db,
            engine,
            blobs,
            signer,
            runner,
            clock,
        )
        self.doorbell = doorbell
        self.max_pixels = max_pixels
        # What a job says until a worker has handed it over: "Waiting for fal.ai", "Waiting for the offline engine".
        self.waiting = f"Waiting for {ENGINE_NAMES.get(engine.name, 'the image engine')}"
        self.limits = FormLimits(max_prompt_chars=max_prompt_chars, max_upload_bytes=max_upload_bytes)

    @property
    def engine_is_ai(self) -> bool:
        return self.engine.is_ai_model

    def edit_help(self) -> str:
        return self.engine.edit_help

    def models(self, kind: GenerationKind) -> list[ModelInfo]:
        return [m for m in self.engine.models() if m.kind == kind]

    def model_label(self, model_id: str) -> str:
        """The model's name for people; a readable fallback when it has left the catalogue since."""
        return next((m.label for m in self.engine.models() if m.id == model_id), None) or model_name(model_id)

    def refusal(self, user: UserView) -> str:
        """Why this user may not generate now ("" when they may): processing restricted at their request."""
        with self.db.reader() as uow:
            return restriction_refusal(uow, user.id)

    def limit_reason(self, user: UserView) -> str:
        """Why this user may not start another job now ("" when they may): as many in flight as one may have.
        Said before the user tries; submit checks it again in the job's own transaction."""
        with self.db.reader() as uow:
            return self._over_limit(uow.generations.count_in_flight(user.id))

    def _over_limit(self, in_flight: int) -> str:
        return str(TooManyJobsError(self.max_jobs_in_flight)) if in_flight >= self.max_jobs_in_flight else ""

    def kinds(self) -> list[GenerationKind]:
        """The kinds of job this engine offers, in the order the page lists them."""
        offered = {m.kind for m in self.engine.models()}
        return [kind for kind in GenerationKind if kind in offered]

    def quote(self, user: UserView, form: GenerationForm) -> int:
        """Credits the form would cost: shown on the button, and exactly what submit holds.

        Settings the model does not accept are priced at their defaults; submit refuses them.
        """
        model = self._model(form)
        sizes = self._source_sizes(user, form)
        try:
            checked = check_form(replace(form, prompt=form.prompt or "x"), model, self.limits.max_prompt_chars)
        except ValidationError:
            options = {s.name.value: s.default for s in model.inputs if s.default is not None}
            return quote(model, min(max(form.num_images, 1), model.max_images), options, sizes)
        return quote(model, checked.num_images, checked.options, sizes)

    @staticmethod
    def new_token() -> str:
        """An idempotency token for one rendering of the form; it becomes the job's id."""
        return uuid.uuid4().hex

    def submit(self, user: UserView, form: GenerationForm, token: str) -> GenerationView:
        """Check the form against the model's catalogue entry, hold exactly the quote and create the job in one
        transaction, then ring for a worker, which sends it. Submitting the same token twice returns the first job.
        """
        generation_id = check_token(token)
        with self.db.reader() as uow:  # one read: a second submit of this token, or a restriction in the way
            known = uow.generations.get_for_user(user.id, generation_id) is not None
            if not known:
                refuse_if_restricted(uow, user.id)  # before the form's own checks: they could not fix this there
                if self._over_limit(uow.generations.count_in_flight(user.id)):  # before storing any upload
                    raise TooManyJobsError(self.max_jobs_in_flight)
        if known:
            return self.status(user, generation_id)
        model = self._model(form)
        checked = check_form(form, model, self.limits.max_prompt_chars)
        sources, uploads = self._sources(user, form)
        try:
            job = self._planned(form, model, checked, generation_id, sources)
            self._create(user, job.request, generation_id, sources, uploads, job.cost, form.preset_id)
        except DuplicateKeyError:
            # The job row is written before the hold, so a second submit of the same token stops
            # here, on the job's primary key, and never reaches the credit check.
            self._forget_uploads(uploads)
            found = self.find(user, generation_id)  # a double click raced us; the first one won
            if found is None:  # the token names somebody else's job
                raise ValidationError("This form was already used. Reload the page and submit again.") from None
            return found
        except BaseException:
            self._forget_uploads(uploads)
            raise
        self.doorbell.ring()  # a worker sends it: the page never waits on the engine
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
            inputs = uow.generations.input_ids(list(prompts))
            return [generation_view(row, images[row.id], inputs[row.id]) for row in rows]

    def cancel(self, user: UserView, generation_id: str) -> GenerationView:
        if self.status(user, generation_id).status.in_flight:  # scoped to the owner first
            self.runner.cancel(generation_id)
        return self.status(user, generation_id)

    def _create(
        self,
        user: UserView,
        request: EngineRequest,
        generation_id: str,
        sources: list[Image],
        uploads: list[Image],
        cost: int,
        preset_id: int | None,
    ) -> None:
        """Job row first, then the hold, in one transaction; a worker claims the job once it is committed."""
        with self.db.uow() as uow:
            refuse_if_restricted(uow, user.id)  # again in the job's own transaction: a restriction set meanwhile
            for upload in uploads:
                uow.images.add(upload)  # sources holds these same rows: their ids are set here
            input_ids = [source.id for source in sources if source.id is not None]
            job = PlannedJob(generation_id, request, cost, preset_id=preset_id)
            add_job(uow, user.id, job, self.clock(), self.waiting, input_ids)
            # Counted after the hold's conditional UPDATE of the user's balance: on PostgreSQL that row lock
            # makes one user's submits take turns, so two racing ones cannot both see room for one more job.
            # The count includes the job just added.
            if uow.generations.count_in_flight(user.id) > self.max_jobs_in_flight:
                raise TooManyJobsError(self.max_jobs_in_flight)
            uow.commit()

    def plan(self, form: GenerationForm, generation_id: str) -> PlannedJob:
        """A form made from a prompt alone, checked against its model and priced, nothing held: the lab plans every
        cell of an experiment first, then adds them all with add_job in one transaction."""
        if form.image_count:
            raise ValidationError("Only a prompt can be planned ahead; a job from images is submitted.")
        model = self._model(form)
        return self._planned(form, model, check_form(form, model, self.limits.max_prompt_chars), generation_id, [])

    def _planned(
        self, form: GenerationForm, model: ModelInfo, checked: CheckedForm, generation_id: str, sources: list[Image]
    ) -> PlannedJob:
        """What the engine gets and what it costs, for a checked form and its source images (nothing is held); the
        engine refuses here what it cannot do, before anything is charged."""
        ratio = checked.aspect_ratio or _shape(model, checked.options, sources[0] if sources else None)
        request = EngineRequest(
            form.kind,
            model.id,
            checked.prompt,
            ratio,
            checked.seed,
            checked.num_images,
            checked.output_format,
            tuple(self.blobs.get(source.blob_key) for source in sources),
            checked.options,
        )
        self.engine.check(request)
        cost = quote(model, checked.num_images, checked.options, [(s.width, s.height) for s in sources])
        return PlannedJob(check_token(generation_id), request, cost)

    def _model(self, form: GenerationForm) -> ModelInfo:
        found = next((m for m in self.models(form.kind) if m.id == form.model), None)
        if found is None:
            raise ValidationError("Choose one of the listed models.")
        return found

    def _sources(self, user: UserView, form: GenerationForm) -> tuple[list[Image], list[Image]]:
        """The images a job starts from, in order (gallery picks, then uploads), and which of them are new
        uploads (stored as blobs now, added to the database with the job)."""
        picked: list[Image] = []
        if form.image_ids:
            with self.db.reader() as uow:
                for image_id in form.image_ids:
                    found = uow.images.get_for_user(user.id, image_id)
                    if found is None:
                        raise ValidationError("That image is not in your gallery any more. Pick another one.")
                    picked.append(found)
        uploads: list[Image] = []
        try:
            for data in form.image_uploads:
                clean = clean_upload(data, max_bytes=self.limits.max_upload_bytes, max_pixels=self.max_pixels)
                uploads.append(store_image(self.blobs, user.id, clean, source="upload"))
        except BaseException:
            self._forget_uploads(uploads)
            raise
        return picked + uploads, uploads

    def _source_sizes(self, user: UserView, form: GenerationForm) -> list[tuple[int, int]]:
        """The sizes of the form's images, read without storing anything (for a quote)."""
        sizes: list[tuple[int, int]] = []
        with self.db.reader() as uow:
            for image_id in form.image_ids:
                found = uow.images.get_for_user(user.id, image_id)
                if found is not None:
                    sizes.append((found.width, found.height))
        for data in form.image_uploads:
            try:
                sizes.append(image_size(data))
            except UploadError:
                continue  # submit explains what is wrong with it
        return sizes

    def _forget_uploads(self, uploads: list[Image]) -> None:
        forget_blobs(self.db, self.clock, uploads)

    def find(self, user: UserView, generation_id: str) -> GenerationView | None:
        """The user's job with this id, with its images, or None (a token not used yet, or not theirs)."""
        with self.db.reader() as uow:
            row = uow.generations.get_for_user(user.id, generation_id)
            if row is None:
                return None
            images = [image_view(i, self.signer, row.prompt) for i in uow.images.for_generation(generation_id)]
            return generation_view(row, images, uow.generations.input_ids([generation_id])[generation_id])


def _shape(model: ModelInfo, options: Mapping[str, object], source: Image | None) -> str:
    """The aspect ratio a job is recorded with when the model takes an image size, or follows its source."""
    if source is not None:
        return nearest_aspect_ratio(source.width, source.height)
    chosen = options.get(Input.IMAGE_SIZE.value)
    size = parse_image_size(str(chosen)) if chosen and model.accepts(Input.IMAGE_SIZE) else None
    return nearest_aspect_ratio(*size) if size else "1:1"
