"""The model catalogue: what each model accepts (its inputs, with ranges and defaults) and what it costs.

Engines describe their models with these types; the fal engine reads them from a TOML file
(core/catalogue.py), so adding a fal model is one entry there. Values are plain data: services
check forms against them and price jobs with them (core/pricing.py), pages draw forms from them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

# The nine aspect ratios FLUX.1 Kontext accepts, widest first.
ASPECT_RATIOS: tuple[str, ...] = ("21:9", "16:9", "4:3", "3:2", "1:1", "2:3", "3:4", "9:16", "9:21")


class GenerationKind(StrEnum):
    TEXT_TO_IMAGE = "text_to_image"
    EDIT = "edit"  # one source image
    MULTI_REFERENCE = "multi_reference"  # several reference images combined into one picture
    UPSCALE = "upscale"  # one source image, made larger (UPSCALE_FACTOR on each side)
    FILL = "fill"  # one source image and a mask: the masked region painted anew from the prompt

    @property
    def takes_images(self) -> bool:
        return self != GenerationKind.TEXT_TO_IMAGE

    @property
    def in_prompt_bar(self) -> bool:
        """Whether the Generate page offers it as a mode; upscale and fill start from an image in the image view."""
        return self in (GenerationKind.TEXT_TO_IMAGE, GenerationKind.EDIT, GenerationKind.MULTI_REFERENCE)


# How much an upscale enlarges each side: the offline engine's resampler and the fal entry's fixed factor agree.
UPSCALE_FACTOR = 2


class Input(StrEnum):
    """The inputs a form can offer, by our own names; each model maps them to its parameter names."""

    ASPECT_RATIO = "aspect_ratio"
    IMAGE_SIZE = "image_size"
    SEED = "seed"
    GUIDANCE_SCALE = "guidance_scale"
    NUM_IMAGES = "num_images"
    OUTPUT_FORMAT = "output_format"
    SAFETY_TOLERANCE = "safety_tolerance"
    ENHANCE_PROMPT = "enhance_prompt"
    STEPS = "steps"
    ACCELERATION = "acceleration"


# Inputs whose value is stored in the job's own columns rather than in its options.
COLUMN_INPUTS = frozenset({Input.ASPECT_RATIO, Input.SEED, Input.NUM_IMAGES, Input.OUTPUT_FORMAT})
# What forms and refusals call each input.
INPUT_LABELS: dict[str, str] = {
    "aspect_ratio": "Aspect ratio",
    "image_size": "Image size",
    "seed": "Seed",
    "guidance_scale": "Guidance scale",
    "num_images": "Number of images",
    "output_format": "Format",
    "safety_tolerance": "Safety tolerance",
    "enhance_prompt": "Prompt enhancement",
    "steps": "Steps",
    "acceleration": "Acceleration",
}
# Named image sizes (fal's presets) and their pixels.
IMAGE_SIZE_PRESETS: dict[str, tuple[int, int]] = {
    "square_hd": (1024, 1024),
    "square": (512, 512),
    "portrait_4_3": (768, 1024),
    "portrait_16_9": (576, 1024),
    "landscape_4_3": (1024, 768),
    "landscape_16_9": (1024, 576),
}
AUTO_SIZE = "auto"  # edit models: the output follows the (first) input image
_CUSTOM_SIZE = re.compile(r"([0-9]{2,5})x([0-9]{2,5})")


def parse_image_size(value: str) -> tuple[int, int] | None:
    """A preset's pixels, a custom "WIDTHxHEIGHT", or None for "auto" (the output follows the first input)."""
    if value == AUTO_SIZE:
        return None
    if value in IMAGE_SIZE_PRESETS:
        return IMAGE_SIZE_PRESETS[value]
    match = _CUSTOM_SIZE.fullmatch(value)
    if match is None:
        raise ValueError(f"not an image size: {value!r}")
    return int(match[1]), int(match[2])


class InputImages(StrEnum):
    """How input images reach a model: fal takes one as `image_url` or several as `image_urls`."""

    NONE = "none"
    ONE = "image_url"
    LIST = "image_urls"


class InputMegapixels(StrEnum):
    """Whether a megapixel-priced model also bills its input images."""

    NONE = "none"
    COUNTED = "counted"  # each input by its own megapixels, rounded up
    ONE_EACH = "one_each"  # each input is resized to 1 MP by the model, so it counts as one


@dataclass(frozen=True)
class InputSpec:
    """One input a model accepts: numbers have a range, choices a list; `param` is the model's own name."""

    name: Input
    param: str
    default: str | int | float | bool | None = None
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    custom_sizes: tuple[int, int] | None = None  # image_size: width and height allowed in this range

    @property
    def is_integer(self) -> bool:
        return self.name in (Input.SEED, Input.NUM_IMAGES, Input.STEPS)

    def allows(self, value: object) -> bool:
        """Whether `value` is one this input takes: a listed choice (or a custom size in range), a switch's
        True or False, or a number within the range (a whole one where it must be)."""
        if self.name == Input.IMAGE_SIZE and isinstance(value, str) and value not in self.choices:
            return self._allows_custom_size(value)
        if self.choices:
            return str(value) in self.choices
        if isinstance(self.default, bool) or self.name == Input.ENHANCE_PROMPT:
            return isinstance(value, bool)
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:  # NaN is no number
            return False
        if self.is_integer and value != int(value):
            return False
        low = self.minimum if self.minimum is not None else value
        high = self.maximum if self.maximum is not None else value
        return bool(low <= value <= high)

    def _allows_custom_size(self, value: str) -> bool:
        try:
            size = parse_image_size(value)
        except ValueError:
            return False
        if size is None or self.custom_sizes is None:
            return False
        low, high = self.custom_sizes
        return all(low <= side <= high for side in size)


@dataclass(frozen=True)
class Price:
    """Credits. Flat: `per_image`. By megapixel (2^20 pixels, each image rounded up, as fal rounds):
    `first_megapixel` for an output image's first MP, `per_megapixel` for each further MP of output,
    and for each input MP when `inputs` says inputs are billed."""

    per_image: int = 0
    first_megapixel: int = 0
    per_megapixel: int = 0
    inputs: InputMegapixels = InputMegapixels.NONE

    @property
    def by_megapixel(self) -> bool:
        return self.per_image == 0


@dataclass(frozen=True)
class ModelInfo:
    """One model offering: what it is, what it accepts and what it costs."""

    id: str
    label: str
    kind: GenerationKind
    inputs: tuple[InputSpec, ...] = ()
    price: Price = Price(per_image=1)
    endpoint: str = ""  # the engine's address for it (fal's endpoint id); "" for local engines
    images_as: InputImages = InputImages.NONE
    references: tuple[int, int] = (0, 0)  # fewest and most input images
    fixed: tuple[tuple[str, str | int | float | bool], ...] = ()  # parameters sent as they are with every request
    description: str = ""
    speed: str = "standard"  # a word for people: "fast", "standard" or "slow" (the model picker shows it)

    def accepts(self, name: Input) -> InputSpec | None:
        return next((spec for spec in self.inputs if spec.name == name), None)

    @property
    def max_images(self) -> int:
        """How many images one job may ask for: a model without `num_images` makes exactly one."""
        spec = self.accepts(Input.NUM_IMAGES)
        return int(spec.maximum or 1) if spec else 1


def local_model(model_id: str, label: str, kind: GenerationKind, credits_per_image: int) -> ModelInfo:
    """A model of a local engine (offline, fake): the Kontext ratios, 1 to 4 images, JPEG or PNG, a seed."""
    inputs = [InputSpec(Input.OUTPUT_FORMAT, "output_format", "jpeg", ("jpeg", "png")), InputSpec(Input.SEED, "seed")]
    if kind == GenerationKind.TEXT_TO_IMAGE:
        inputs += [
            InputSpec(Input.ASPECT_RATIO, "aspect_ratio", "1:1", ASPECT_RATIOS),
            InputSpec(Input.NUM_IMAGES, "num_images", 1, minimum=1, maximum=4),
        ]
    takes_one = kind in (GenerationKind.EDIT, GenerationKind.UPSCALE, GenerationKind.FILL)
    references = (1, 1) if takes_one else (0, 0)
    return ModelInfo(
        model_id,
        label,
        kind,
        tuple(inputs),
        Price(per_image=credits_per_image),
        images_as=InputImages.ONE if takes_one else InputImages.NONE,
        references=references,
        speed="fast",
    )
