"""PresetService: styles for everyone. The team promotes a winning lab cell to a preset (a prompt with one
{subject}, a model, settings and a small preview); admins publish, order and retire them; Generate offers the
published ones as chips, and a job made with one names it in its facts, even after it is retired."""

from __future__ import annotations

import io
from dataclasses import replace
from enum import StrEnum

from PIL import Image as PILImage

from core.clock import Clock
from core.domain import GenerationForm, GenerationKind, Input, Role, UserView
from core.domain import lab as rules
from core.domain.lab_views import PresetView, stored_settings
from core.errors import DuplicateKeyError, NotFoundError, PermissionDeniedError, ValidationError
from core.ports import BlobStore
from core.services.lab_reads import require_team
from core.stored_text import TextRule
from db.repositories.lab import LabRepository
from db.tables import Image, LabPreset
from db.uow import Database

PREVIEW_SIDE = 320  # px, the longest side of a preset's preview
PRESET_NAME = TextRule("preset name", 60, "Give the preset a name.")


class PresetStatus(StrEnum):
    DRAFT = "draft"  # promoted, not offered yet
    PUBLISHED = "published"  # a chip on Generate
    RETIRED = "retired"  # offered no more; still names old images' style


class PresetService:
    def __init__(self, db: Database, blobs: BlobStore, clock: Clock, *, max_prompt_chars: int) -> None:
        self.db, self.blobs, self.clock = db, blobs, clock
        self.prompt_rule = TextRule("preset prompt", max_prompt_chars, "Write the preset's prompt.", multiline=True)

    def promote(self, user: UserView, cell_id: int, name: str, prompt: str) -> PresetView:
        """A draft preset from a cell: its model and settings, `prompt` (with one {subject}) and its picture."""
        require_team(user)
        name, prompt = PRESET_NAME.clean(name), rules.check_preset_prompt(self.prompt_rule.clean(prompt))
        with self.db.reader() as uow:
            cell = uow.of(LabRepository).cell(cell_id)
            image = uow.images.for_generation(cell.generation_id) if cell is not None else []
        if cell is None:
            raise NotFoundError("That cell does not exist any more.")
        if not image:
            raise ValidationError("This cell has no picture yet: promote a cell once its image is made.")
        preview = self._preview(image[0])
        now = self.clock()
        settings: dict[str, object] = {k: v for k, v in stored_settings(cell.settings).items() if k != Input.SEED.value}
        with self.db.uow() as uow:
            repo = uow.of(LabRepository)
            if repo.preset_by_name(name) is not None:
                raise ValidationError(f"A preset named “{name}” exists already. Choose another name.")
            row = LabPreset(
                user_id=user.id,
                name=name,
                prompt=prompt,
                model=cell.model,
                settings=settings,
                preview=preview,
                position=repo.next_position(),
                source_cell_id=cell_id,
                created_at=now,
                updated_at=now,
            )
            try:
                repo.add(row)
            except DuplicateKeyError:
                raise ValidationError(f"A preset named “{name}” exists already. Choose another name.") from None
            uow.commit()
        return _view(row)

    def all(self, user: UserView) -> list[PresetView]:
        """Every preset, in the chips' order (the team and admins see drafts and retired ones too)."""
        require_team(user)
        with self.db.reader() as uow:
            return [_view(row) for row in uow.of(LabRepository).presets(list(PresetStatus))]

    def published(self) -> list[PresetView]:
        """What Generate offers, in the admins' order, without their pictures (`preview` gives the chosen one's)."""
        with self.db.reader() as uow:
            rows = uow.of(LabRepository).presets([PresetStatus.PUBLISHED], previews=False)
            return [_view(row, preview=b"") for row in rows]

    def preview(self, preset_id: int) -> bytes:
        """A preset's sample picture (a small WebP); empty for one that does not exist."""
        with self.db.reader() as uow:
            row = uow.of(LabRepository).preset(preset_id)
        return row.preview if row is not None else b""

    def set_status(self, user: UserView, preset_id: int, status: PresetStatus) -> None:
        self._admin(user)
        with self.db.uow() as uow:
            row = self._row(uow.of(LabRepository), preset_id)
            row.status, row.updated_at = status.value, self.clock()
            uow.of(LabRepository).add(row)
            uow.commit()

    def move(self, user: UserView, preset_id: int, step: int) -> None:
        """One place earlier (-1) or later (+1) among the presets, swapping with its neighbour."""
        self._admin(user)
        with self.db.uow() as uow:
            repo = uow.of(LabRepository)
            rows = list(repo.presets(list(PresetStatus)))
            index = next((i for i, row in enumerate(rows) if row.id == preset_id), None)
            if index is None:
                raise NotFoundError("That preset does not exist.")
            other = index + step
            if not 0 <= other < len(rows):
                return
            rows[index], rows[other] = rows[other], rows[index]
            for position, row in enumerate(rows, start=1):
                row.position = position
                repo.add(row)
            uow.commit()

    def styled(self, form: GenerationForm, preset_id: int | None) -> GenerationForm:
        """The Generate form with the preset's prompt around the typed words (the subject); the preset must still be
        published. Without a preset the form is as typed."""
        if preset_id is None or form.kind != GenerationKind.TEXT_TO_IMAGE:
            return form
        with self.db.reader() as uow:
            row = uow.of(LabRepository).preset(preset_id)
        if row is None or row.status != PresetStatus.PUBLISHED:
            raise ValidationError("That style is no longer offered. Pick another, or none.")
        if not form.prompt.strip():
            raise ValidationError("Write the subject first: the style wraps what you type.")
        return replace(form, prompt=rules.apply_preset(row.prompt, form.prompt), preset_id=preset_id)

    def names(self, preset_ids: list[int]) -> dict[int, str]:
        """Each preset's name for a job's facts: "Cinematic", or "Cinematic (retired)"."""
        with self.db.reader() as uow:
            found = uow.of(LabRepository).preset_names(preset_ids)
        return {
            pid: name + (" (retired)" if status == PresetStatus.RETIRED else "")
            for pid, (name, status) in found.items()
        }

    def _preview(self, image: Image) -> bytes:
        with PILImage.open(io.BytesIO(self.blobs.get(image.preview_key or image.thumb_key))) as picture:
            picture.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
            out = io.BytesIO()
            picture.convert("RGB").save(out, "WEBP", quality=80)
        return out.getvalue()

    @staticmethod
    def _admin(user: UserView) -> None:
        if not user.has_role(Role.ADMIN):
            raise PermissionDeniedError("Only admins manage presets.")

    @staticmethod
    def _row(repo: LabRepository, preset_id: int) -> LabPreset:
        row = repo.preset(preset_id)
        if row is None:
            raise NotFoundError("That preset does not exist.")
        return row


def _view(row: LabPreset, preview: bytes | None = None) -> PresetView:
    return PresetView(
        row.id or 0,
        row.name,
        row.prompt,
        row.model,
        stored_settings(row.settings),
        row.preview if preview is None else preview,  # a deferred picture is never read here
        row.status,
        row.position,
    )
