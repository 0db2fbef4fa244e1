"""Region masks: what the brush or an area sends is cleaned into a black-and-white PNG the size of the image,
and anything else gets a clear refusal, never a crash."""

from __future__ import annotations

import base64
import io
import struct
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from core.errors import UploadError
from core.masks import AREAS, EMPTY, NOT_A_MASK, WHOLE, Rect, area_mask, clean_mask, mask_from_data_url, painted_share


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def painted(size: tuple[int, int], box: tuple[int, int, int, int], mode: str = "L") -> bytes:
    image = Image.new("L", size, 0)
    image.paste(255, box)
    return png(image if mode == "L" else image.convert(mode))


def only_black_and_white(mask: Image.Image) -> bool:
    histogram = mask.histogram()
    return sum(histogram[1:255]) == 0


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_a_brush_mask_comes_back_black_and_white_at_the_image_size() -> None:
    # The browser sends an anti-aliased RGBA stroke at a smaller size than the image.
    stroke = Image.new("RGBA", (100, 50), (0, 0, 0, 0))
    stroke.paste((255, 255, 255, 255), (10, 10, 40, 30))
    stroke.paste((255, 255, 255, 100), (40, 10, 45, 30))  # a soft edge: too faint to count
    mask = opened(clean_mask(png(stroke), 400, 200))
    assert mask.mode == "L" and mask.size == (400, 200)
    assert only_black_and_white(mask)
    assert mask.getbbox() == (40, 40, 160, 120)


def test_transparent_white_counts_as_unpainted() -> None:
    erased = Image.new("RGBA", (40, 40), (255, 255, 255, 0))
    erased.paste((255, 255, 255, 255), (0, 0, 10, 10))
    assert opened(clean_mask(png(erased), 40, 40)).getbbox() == (0, 0, 10, 10)


@pytest.mark.parametrize("mode", ["1", "P", "LA", "RGB", "I;16"])
def test_masks_in_other_modes_are_read(mode: str) -> None:
    mask = opened(clean_mask(painted((20, 20), (0, 0, 10, 20), mode), 20, 20))
    assert mask.mode == "L" and mask.getbbox() == (0, 0, 10, 20)


def test_an_empty_mask_asks_to_paint_first() -> None:
    with pytest.raises(UploadError, match=EMPTY):
        clean_mask(png(Image.new("L", (64, 64), 0)), 64, 64)


def test_a_mask_over_everything_points_to_edit() -> None:
    with pytest.raises(UploadError, match="use Edit") as refusal:
        clean_mask(png(Image.new("L", (64, 64), 255)), 64, 64)
    assert str(refusal.value) == WHOLE


def test_nearly_everything_is_still_a_region() -> None:
    assert painted_share(clean_mask(painted((100, 100), (0, 0, 100, 97)), 100, 100)) == pytest.approx(0.97)


def truncated_png() -> bytes:
    data = painted((300, 300), (0, 0, 150, 150))
    return data[: len(data) // 2]


def huge_header_png() -> bytes:
    """A valid PNG header claiming 100,000 × 100,000 pixels, with one tiny data chunk."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 10)) + chunk(b"IEND", b"")
    )


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("L", (20, 20), 255).save(out, "JPEG")
    return out.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not an image at all",
        b"\x89PNG\r\n\x1a\n" + b"\0" * 40,
        truncated_png(),
        huge_header_png(),
        jpeg(),
        b"\x89PNG\r\n\x1a\n" + b"x" * (11 * 1024 * 1024),
    ],
    ids=["empty", "text", "png-signature-only", "truncated", "huge-dimensions", "jpeg", "too-many-bytes"],
)
def test_hostile_masks_are_refused_in_words(data: bytes) -> None:
    with pytest.raises(UploadError) as refusal:
        clean_mask(data, 300, 300)
    assert str(refusal.value) == NOT_A_MASK


def test_a_mask_of_another_shape_is_refused() -> None:
    with pytest.raises(UploadError, match="shape"):
        clean_mask(painted((100, 100), (0, 0, 50, 50)), 400, 200)


def test_an_image_beyond_the_pixel_limit_is_refused() -> None:
    with pytest.raises(UploadError, match="too large"):
        clean_mask(painted((10, 10), (0, 0, 5, 5)), 10_000, 10_000, max_pixels=1_000_000)


def test_the_brush_data_url_is_decoded_and_anything_else_refused() -> None:
    data = painted((8, 8), (0, 0, 4, 4))
    assert mask_from_data_url("data:image/png;base64," + base64.b64encode(data).decode()) == data
    for hostile in (None, 42, "", "data:image/svg+xml;base64,PHN2Zz4=", "data:image/png;base64,%%%", "javascript:x"):
        with pytest.raises(UploadError, match="could not be read"):
            mask_from_data_url(hostile)
    with pytest.raises(UploadError):
        mask_from_data_url("data:image/png;base64," + "A" * 2000, max_bytes=1000)


@pytest.mark.parametrize("name", sorted(AREAS))
def test_each_named_area_is_a_clean_mask_over_its_part(name: str) -> None:
    mask = opened(clean_mask(area_mask(name, 300, 200), 300, 200))
    rect = AREAS[name]
    expected = (
        round(rect.left * 300),
        round(rect.top * 200),
        round((rect.left + rect.width) * 300),
        round((rect.top + rect.height) * 200),
    )
    assert mask.getbbox() == expected


def test_a_rectangle_from_the_sliders_is_a_mask() -> None:
    mask = opened(area_mask(Rect(0.1, 0.2, 0.3, 0.4), 1000, 500))
    assert mask.getbbox() == (100, 100, 400, 300)
    with pytest.raises(ValueError):
        Rect(0.5, 0.5, 1.5, 0.1)


@settings(max_examples=60, deadline=None)
@given(
    target=st.tuples(st.integers(1, 300), st.integers(1, 300)),
    mode=st.sampled_from(["1", "L", "LA", "P", "RGB", "RGBA"]),
    seed=st.binary(min_size=16, max_size=16),
)
def test_a_cleaned_mask_is_always_exactly_the_image_size_in_black_and_white(
    target: tuple[int, int], mode: str, seed: bytes
) -> None:
    width, height = target
    # A source of the target's own size (the browser draws it so up to 2,048 px), filled with noise in the drawn
    # mode. (A shrunk source of a very thin target is off its shape by more than a pixel, refused as a misfit.)
    size = (width, height)
    noise = Image.frombytes("L", size, (seed * (size[0] * size[1] // 16 + 1))[: size[0] * size[1]])
    try:
        result = clean_mask(png(noise.convert(mode)), width, height)
    except UploadError as refusal:
        assert str(refusal) in (EMPTY, WHOLE)  # the noise was all dark or all light: refused in words
        return
    mask = opened(result)
    assert mask.mode == "L" and mask.size == (width, height)
    assert only_black_and_white(mask)
