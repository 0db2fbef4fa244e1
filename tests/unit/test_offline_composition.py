"""The offline engine's text-to-image pictures: deterministic, sized per ratio, and faithful to named colours."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageChops, ImageStat

from core.adapters.offline.composition import render
from core.adapters.offline.sizes import SIZES
from core.domain import ASPECT_RATIOS


def _image(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


def _mean_difference(a: bytes, b: bytes) -> float:
    """Average per-channel difference, 0..255."""
    return sum(ImageStat.Stat(ImageChops.difference(_image(a), _image(b))).mean) / 3


def _share_where(image: Image.Image, lead: int) -> float:
    """Share of pixels whose channel `lead` exceeds both other channels by more than 40."""
    channels = image.split()
    others = [c for i, c in enumerate(channels) if i != lead]
    masks = [ImageChops.subtract(channels[lead], o).point(lambda v: 255 if v > 40 else 0) for o in others]
    return ImageStat.Stat(ImageChops.multiply(*masks)).mean[0] / 255


def test_the_same_prompt_seed_and_ratio_give_identical_bytes() -> None:
    for fmt in ("jpeg", "png"):
        assert render("a quiet harbour at dawn", 42, "16:9", fmt) == render("a quiet harbour at dawn", 42, "16:9", fmt)


def test_another_seed_gives_another_picture() -> None:
    first = render("a quiet harbour at dawn", 1, "1:1", "png")
    second = render("a quiet harbour at dawn", 2, "1:1", "png")
    assert _mean_difference(first, second) > 10


def test_two_different_prompts_look_clearly_different() -> None:
    first = render("a lonely lighthouse", 7, "1:1", "png")
    second = render("a carnival of shapes", 7, "1:1", "png")
    assert _mean_difference(first, second) > 25


@pytest.mark.parametrize(
    ("prompt", "lead"),
    [("a red square", 0), ("a green forest", 1), ("deep blue ocean", 2), ("blue circles", 2)],
)
def test_a_colour_named_in_the_prompt_dominates_the_picture(prompt: str, lead: int) -> None:
    for seed in range(3):
        image = _image(render(prompt, seed, "1:1", "png"))
        assert _share_where(image, lead) > 0.6, f"{prompt!r} seed {seed} is not mostly that colour"


def test_a_prompt_without_colour_words_still_gets_a_coloured_picture() -> None:
    image = _image(render("an idea I had this morning", 3, "1:1", "png"))
    assert max(ImageStat.Stat(image).stddev) > 10  # not one flat colour


@pytest.mark.parametrize("ratio", ASPECT_RATIOS)
def test_every_aspect_ratio_gives_a_picture_of_that_shape_and_about_a_megapixel(ratio: str) -> None:
    width, height = _image(render("a kite", 0, ratio, "jpeg")).size
    rw, rh = (int(x) for x in ratio.split(":"))
    assert (width, height) == SIZES[ratio]
    assert width % 16 == 0 and height % 16 == 0
    assert abs(width / height - rw / rh) < 0.01
    assert 0.9e6 <= width * height <= 1.1e6


def test_jpeg_and_png_requests_give_real_files_of_that_format_without_metadata() -> None:
    jpeg = render("a kite", 0, "4:3", "jpeg")
    png = render("a kite", 0, "4:3", "png")
    assert jpeg[:3] == b"\xff\xd8\xff" and Image.open(io.BytesIO(jpeg)).format == "JPEG"
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and Image.open(io.BytesIO(png)).format == "PNG"
    assert not Image.open(io.BytesIO(jpeg)).getexif()
    assert b"tEXt" not in png and b"eXIf" not in png
