"""Read a model catalogue (TOML, see assets/fal_models.toml) into ModelInfo, refusing anything inconsistent.

An operator edits the file to add a model; a mistake in it stops the start with the entry and
the field named, rather than surfacing as a refusal at fal after a user was charged.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from core.domain import (
    AUTO_SIZE,
    IMAGE_SIZE_PRESETS,
    UPSCALE_FACTOR,
    GenerationKind,
    Input,
    InputImages,
    InputMegapixels,
    InputSpec,
    ModelInfo,
    Price,
)
from core.errors import ConfigurationError

Value = str | int | float | bool


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    param: str | None = None
    default: Value | None = None
    choices: list[str] = []
    minimum: float | None = Field(None, alias="min")
    maximum: float | None = Field(None, alias="max")
    custom_sizes: tuple[int, int] | None = None

    @model_validator(mode="after")
    def _default_is_allowed(self) -> _Input:
        if self.choices and self.default is not None and str(self.default) not in self.choices:
            raise ValueError(f"default {self.default!r} is not one of the choices")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError("min is above max")
        if isinstance(self.default, int | float) and not isinstance(self.default, bool):
            low = self.minimum if self.minimum is not None else self.default
            high = self.maximum if self.maximum is not None else self.default
            if not low <= self.default <= high:
                raise ValueError(f"default {self.default} is outside {low}..{high}")
        return self


class _Price(BaseModel):
    model_config = ConfigDict(extra="forbid")

    per_image: int = Field(0, ge=0)
    first_megapixel: int = Field(0, ge=0)
    per_megapixel: int = Field(0, ge=0)
    inputs: InputMegapixels = InputMegapixels.NONE

    @model_validator(mode="after")
    def _one_scheme(self) -> _Price:
        flat = self.per_image > 0
        by_megapixel = self.first_megapixel > 0 or self.per_megapixel > 0
        if flat == by_megapixel:
            raise ValueError("give either per_image, or first_megapixel and per_megapixel (credits, above 0)")
        if by_megapixel and (self.first_megapixel <= 0 or self.per_megapixel <= 0):
            raise ValueError("a megapixel price needs both first_megapixel and per_megapixel")
        return self


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    label: str = Field(min_length=1, max_length=80)
    endpoint: str = Field(pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$")
    kind: GenerationKind
    description: str = ""
    speed: Literal["fast", "standard", "slow"] = "standard"
    images_as: InputImages = InputImages.NONE
    references: tuple[int, int] = (0, 0)
    fixed: dict[str, Value] = {}
    price: _Price
    inputs: dict[Input, _Input] = {}

    @model_validator(mode="after")
    def _consistent(self) -> _Model:
        fewest, most = self.references
        if self.kind == GenerationKind.TEXT_TO_IMAGE:
            if self.images_as != InputImages.NONE or most != 0:
                raise ValueError("a text_to_image model takes no input images (images_as = none, references = [0, 0])")
        else:
            if self.images_as == InputImages.NONE or not 1 <= fewest <= most <= 8:
                raise ValueError(f"a {self.kind.value} model needs images_as and references between 1 and 8")
            if self.images_as == InputImages.ONE and most != 1:
                raise ValueError("images_as = image_url carries exactly one image")
            one_source = self.kind in (GenerationKind.UPSCALE, GenerationKind.FILL)
            if one_source and (self.images_as != InputImages.ONE or self.references != (1, 1)):
                raise ValueError(
                    f"a {self.kind.value} model takes one image (images_as = image_url, references = [1, 1])"
                )
        if self.kind == GenerationKind.UPSCALE and self.fixed.get("upscale_factor") != UPSCALE_FACTOR:
            raise ValueError(
                f"an upscale model is sent upscale_factor = {UPSCALE_FACTOR} (in fixed), as its price assumes"
            )
        if Input.ASPECT_RATIO in self.inputs and Input.IMAGE_SIZE in self.inputs:
            raise ValueError("offer aspect_ratio or image_size, not both")
        size = self.inputs.get(Input.IMAGE_SIZE)
        if size is not None:
            unknown = set(size.choices) - set(IMAGE_SIZE_PRESETS) - {AUTO_SIZE}
            if unknown:
                raise ValueError(f"unknown image_size presets: {', '.join(sorted(unknown))}")
            if AUTO_SIZE in size.choices and self.kind == GenerationKind.TEXT_TO_IMAGE:
                raise ValueError("image_size auto follows an input image, so only models that take images offer it")
        return self

    def info(self) -> ModelInfo:
        inputs = tuple(
            InputSpec(
                name,
                spec.param or ("num_inference_steps" if name == Input.STEPS else name.value),
                spec.default,
                tuple(spec.choices),
                spec.minimum,
                spec.maximum,
                spec.custom_sizes,
            )
            for name, spec in self.inputs.items()
        )
        price = Price(self.price.per_image, self.price.first_megapixel, self.price.per_megapixel, self.price.inputs)
        return ModelInfo(
            self.id,
            self.label,
            self.kind,
            inputs,
            price,
            endpoint=self.endpoint,
            images_as=self.images_as,
            references=self.references,
            fixed=tuple(sorted(self.fixed.items())),
            description=self.description,
            speed=self.speed,
        )


class _Catalogue(BaseModel):
    model_config = ConfigDict(extra="forbid")

    models: list[_Model] = Field(min_length=1)
    version: Literal[1] = 1


def load_catalogue(path: Path) -> list[ModelInfo]:
    """The models in a catalogue file, in file order; ConfigurationError names what is wrong."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigurationError(f"The model catalogue {path} does not exist.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"The model catalogue {path} is not valid TOML: {exc}") from None
    try:
        catalogue = _Catalogue.model_validate(data)
    except ValidationError as exc:
        reasons = "; ".join(f"{_where(data, e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ConfigurationError(f"The model catalogue {path} is invalid: {reasons}") from None
    ids = [m.id for m in catalogue.models]
    if duplicates := sorted({i for i in ids if ids.count(i) > 1}):
        raise ConfigurationError(f"The model catalogue {path} repeats ids: {', '.join(duplicates)}")
    return [model.info() for model in catalogue.models]


def _where(data: dict[str, object], loc: tuple[int | str, ...]) -> str:
    """`models[3] (kontext-max).price` rather than `models.3.price`."""
    parts = [str(p) for p in loc]
    models = data.get("models")
    if len(loc) >= 2 and loc[0] == "models" and isinstance(loc[1], int) and isinstance(models, list):
        entry = models[loc[1]] if loc[1] < len(models) else {}
        name = entry.get("id", "?") if isinstance(entry, dict) else "?"
        return ".".join([f"models[{loc[1]}] ({name})", *parts[2:]])
    return ".".join(parts) or "catalogue"
