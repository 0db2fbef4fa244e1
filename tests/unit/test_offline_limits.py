"""The offline editor's limits: edits too big to carry out are refused before any charge, with a reason."""

from __future__ import annotations

import io
import re
import uuid
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageStat

from core.adapters.offline import OfflineImageEngine
from core.adapters.offline.edits import MAX_CAPTION_CHARS, Operation, apply_operations, parse_instruction
from core.adapters.offline.plan import MAX_OPERATIONS, plan_edit
from core.domain import EngineRequest, GenerationKind
from core.errors import EngineInputError

ONE_MEGAPIXEL = 1_000_000  # the smallest MAX_IMAGE_PIXELS the settings allow; keeps these tests quick


def _encoded(width: int, height: int, fmt: str = "PNG", mode: str = "RGB") -> bytes:
    image = Image.linear_gradient("L").resize((width, height)).convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def _damaged(width: int, height: int, fmt: str = "PNG") -> bytes:
    """A valid header followed by pixel data cut short: opening works, decoding fails."""
    whole = _encoded(width, height, fmt)
    data = whole[: len(whole) // 2]
    with Image.open(io.BytesIO(data)) as image, pytest.raises(OSError):
        image.load()
    return data


def _request(prompt: str, source: bytes) -> EngineRequest:
    return EngineRequest(GenerationKind.EDIT, "offline-edit", prompt, "1:1", 0, 1, "png", input_images=(source,))


def _engine(tmp_path: Path, max_pixels: int = 40_000_000) -> OfflineImageEngine:
    return OfflineImageEngine(tmp_path, delay_seconds=0, max_pixels=max_pixels)


def _carry_out(engine: OfflineImageEngine, request: EngineRequest) -> Image.Image:
    [output] = engine.result(engine.submit(request, uuid.uuid4().hex))
    return Image.open(io.BytesIO(output.data))


def _caption(length: int) -> str:
    return "x" * length


def _grey(image: Image.Image, xy: tuple[int, int]) -> int:
    value = image.getpixel(xy)
    assert isinstance(value, int)
    return value


def test_nine_turns_by_45_degrees_are_refused_before_a_single_pixel_is_decoded(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    nine_turns = ", ".join(["rotate 45 degrees"] * 9)
    with pytest.raises(EngineInputError) as refused:
        engine.check(_request(nine_turns, _damaged(1024, 1024)))
    message = str(refused.value)
    assert "Step 6 of 9 (rotate 45° clockwise)" in message
    assert "up to 40 megapixels" in message and "Turn once by the total angle instead" in message
    with pytest.raises(EngineInputError, match="megapixels"):
        engine.submit(_request(nine_turns, _encoded(1024, 1024)), uuid.uuid4().hex)
    assert list(tmp_path.iterdir()) == []  # nothing queued


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_an_acceptable_edit_is_checked_from_the_image_header_alone(tmp_path: Path, fmt: str) -> None:
    edit = "rotate 45 degrees, sepia and add a caption 'Home'"
    header_only = _damaged(1024, 1024, fmt)  # its pixels are cut short: any decoding would fail
    _engine(tmp_path).check(_request(edit, header_only))
    # The header is what was judged: the same picture under a 1-megapixel limit is refused, saying how large it is.
    with pytest.raises(EngineInputError, match=r"1,024 × 1,024 pixels"):
        _engine(tmp_path, max_pixels=ONE_MEGAPIXEL).check(_request(edit, header_only))


def test_a_picture_larger_than_the_limit_is_refused_saying_how_large_it_is(tmp_path: Path) -> None:
    engine = _engine(tmp_path, max_pixels=ONE_MEGAPIXEL)
    with pytest.raises(EngineInputError, match=r"1,200 × 1,000 pixels \(1.2 megapixels\).*up to 1 megapixels"):
        engine.check(_request("mirror", _damaged(1200, 1000)))


def test_an_edit_with_more_steps_than_the_limit_is_refused_saying_the_limit(tmp_path: Path) -> None:
    too_many = ", ".join(["invert"] * (MAX_OPERATIONS + 1))
    with pytest.raises(EngineInputError, match=f"up to {MAX_OPERATIONS} steps; this one has {MAX_OPERATIONS + 1}"):
        _engine(tmp_path).check(_request(too_many, _encoded(60, 40)))
    _engine(tmp_path).check(_request(", ".join(["invert"] * MAX_OPERATIONS), _encoded(60, 40)))


def test_a_long_caption_on_a_sliver_of_a_picture_is_refused_naming_the_smallest_size(tmp_path: Path) -> None:
    with pytest.raises(EngineInputError, match=r"12 × 3,000 pixels.*at least 64 × 64 pixels"):
        _engine(tmp_path).check(_request(f'add a caption "{_caption(280)}"', _encoded(12, 3000)))


def test_the_room_for_a_caption_is_judged_on_the_picture_as_it_is_at_that_step(tmp_path: Path) -> None:
    engine, source = _engine(tmp_path), _encoded(140, 100)
    engine.check(_request('caption "Hello" and crop to 21:9', source))
    with pytest.raises(EngineInputError, match=r"140 × 60 pixels where the caption is added"):
        engine.check(_request('crop to 21:9 and caption "Hello"', source))


def test_captions_are_limited_in_total_not_only_one_by_one(tmp_path: Path) -> None:
    six = ", ".join(f'caption "{_caption(60)}"' for _ in range(6))
    with pytest.raises(EngineInputError, match=f"up to {MAX_CAPTION_CHARS} characters in all; these have 360"):
        _engine(tmp_path).check(_request(six, _encoded(400, 300)))


def test_a_caption_counts_the_letters_as_drawn(tmp_path: Path) -> None:
    # "⒇" is drawn as "(20)": 70 of them are 280 letters, and a 71st is one too many.
    _engine(tmp_path).check(_request(f'caption "{"⒇" * 70}"', _encoded(400, 300)))
    with pytest.raises(EngineInputError, match="these have 284"):
        _engine(tmp_path).check(_request(f'caption "{"⒇" * 71}"', _encoded(400, 300)))


def test_one_long_word_on_the_narrowest_picture_is_broken_into_lines_that_fit() -> None:
    narrow = Image.new("L", (64, 3000), 200)
    out = apply_operations(narrow, parse_instruction(f'caption "{_caption(280)}"')).convert("L")
    assert out.size == narrow.size
    assert _grey(out, (0, 2700)) == _grey(out, (63, 2999)) < 150  # a band of many lines, darkened edge to edge
    assert _grey(out, (0, 2000)) == 200  # the picture above the band is untouched
    letters = out.crop((0, 2600, 64, 3000))
    assert ImageStat.Stat(letters).extrema[0][1] > 230  # light letters on the band


def test_an_ordinary_edit_of_several_steps_is_accepted_and_carried_out(tmp_path: Path) -> None:
    engine = _engine(tmp_path, max_pixels=ONE_MEGAPIXEL)
    request = _request(
        "Please make it black and white, more contrast, rotate 10 degrees, crop to 4:3 and add a caption 'Garden'",
        _encoded(800, 600),
    )
    engine.check(request)
    out = _carry_out(engine, request)
    assert abs(out.width / out.height - 4 / 3) < 0.01 and out.width > 800  # turning made the canvas larger


def test_the_most_work_one_edit_may_ask_for_is_carried_out_on_a_picture_of_the_largest_size(tmp_path: Path) -> None:
    engine = _engine(tmp_path, max_pixels=ONE_MEGAPIXEL)
    source = _encoded(1000, 1000, mode="RGBA")
    # Two slow steps and three quick ones on a picture of the largest size use up the whole allowance.
    worst = f'blur, sharpen, sepia, more contrast, caption "{_caption(280)}"'
    out = _carry_out(engine, _request(worst, source))
    assert out.size == (1000, 1000) and out.mode == "RGBA"
    for more in (worst.replace("sepia", "sharpen"), f"mirror, {worst}"):
        with pytest.raises(EngineInputError, match="too much work for a picture of 1,000 × 1,000 pixels"):
            engine.check(_request(more, source))


def test_slow_steps_after_a_crop_are_counted_on_the_smaller_picture(tmp_path: Path) -> None:
    engine, source = _engine(tmp_path, max_pixels=ONE_MEGAPIXEL), _encoded(1000, 1000)
    engine.check(_request("crop to 9:16, blur, sharpen, blur", source))
    with pytest.raises(EngineInputError, match="too much work.*Use fewer of those steps, crop the picture first"):
        engine.check(_request("blur, sharpen, blur, crop to 9:16", source))


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(
    width=st.integers(1, 300),
    height=st.integers(1, 300),
    steps=st.lists(
        st.one_of(
            st.floats(0, 360, exclude_max=True).map(lambda d: Operation("rotate", degrees=d)),
            st.sampled_from([0.0, 90.0, 180.0, 270.0, 0.1, 359.9]).map(lambda d: Operation("rotate", degrees=d)),
            st.sampled_from(["21:9", "16:9", "1:1", "9:16", "3:4"]).map(lambda r: Operation("crop", ratio=r)),
            st.sampled_from(["pixelate", "mirror", "blur"]).map(Operation),
        ),
        min_size=1,
        max_size=3,
    ),
)
def test_the_planned_size_of_the_picture_is_the_size_the_edit_makes(
    width: int, height: int, steps: list[Operation]
) -> None:
    planned = plan_edit((width, height), steps, 40_000_000)
    image = Image.new("RGB", (width, height), (90, 120, 200))
    actual = [image.size]
    for step in steps:
        image = apply_operations(image, [step])
        actual.append(image.size)
    assert list(planned.sizes) == actual


@pytest.mark.parametrize("prompt", ["rotate 1 degree", "rotate by 0.5 counterclockwise", "rotate 135 degrees"])
def test_a_single_turn_that_would_outgrow_the_limit_is_refused_with_its_size(tmp_path: Path, prompt: str) -> None:
    with pytest.raises(EngineInputError) as refused:
        _engine(tmp_path, max_pixels=ONE_MEGAPIXEL).check(_request(prompt, _damaged(1000, 1000)))
    message = str(refused.value)
    assert re.match(r"This edit \(rotate .*\) would make the picture 1,\d{3} × 1,\d{3} pixels", message)
    assert "Crop the picture first" in message and "total angle" not in message
