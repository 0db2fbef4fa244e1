"""The offline editor: what each instruction visibly does, how instructions combine, and what it refuses."""

from __future__ import annotations

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageStat

from core.adapters.offline.edits import VOCABULARY, Operation, apply_operations, parse_instruction
from core.errors import EngineInputError

RED, BLUE, WHITE = (220, 30, 30), (30, 60, 200), (255, 255, 255)


def _photo(width: int = 200, height: int = 100) -> Image.Image:
    """Left half red, right half blue, a white marker pixel near the top-left corner."""
    image = Image.new("RGB", (width, height), BLUE)
    ImageDraw.Draw(image).rectangle((0, 0, width // 2 - 1, height - 1), fill=RED)
    image.putpixel((2, 2), WHITE)
    return image


def _busy(width: int = 240, height: int = 160) -> Image.Image:
    """A noisy colour picture: lots of detail for blur, pixelate and sharpen to act on."""
    return Image.merge("RGB", [Image.effect_noise((width, height), 60 + 10 * i) for i in range(3)])


def _edit(image: Image.Image, instruction: str) -> Image.Image:
    return apply_operations(image, parse_instruction(instruction))


def _pixel(image: Image.Image, xy: tuple[int, int]) -> tuple[int, ...]:
    value = image.getpixel(xy)
    assert isinstance(value, tuple)
    return value


def _mean(image: Image.Image) -> list[float]:
    return ImageStat.Stat(image.convert("RGB")).mean


def _spread(image: Image.Image) -> float:
    return ImageStat.Stat(image.convert("L")).stddev[0]


@pytest.mark.parametrize("wording", ["black and white", "make it grayscale", "Greyscale please", "monochrome", "B&W"])
def test_black_and_white_leaves_no_colour(wording: str) -> None:
    r, g, b = _edit(_photo(), wording).split()
    assert ImageChops.difference(r, g).getbbox() is None and ImageChops.difference(g, b).getbbox() is None


def test_sepia_gives_brown_tones() -> None:
    r, g, b = _pixel(_edit(_photo(), "sepia"), (150, 50))
    assert r > g > b and r - b > 30


@pytest.mark.parametrize("wording", ["invert", "negative", "invert the colours"])
def test_invert_turns_each_colour_into_its_opposite(wording: str) -> None:
    assert _edit(_photo(), wording).getpixel((50, 50)) == (35, 225, 225)


def test_warmer_adds_red_and_cooler_adds_blue() -> None:
    grey = Image.new("RGB", (20, 20), (120, 120, 120))
    warm, cool = _pixel(_edit(grey, "make it warmer"), (0, 0)), _pixel(_edit(grey, "cooler"), (0, 0))
    assert warm[0] > 120 > warm[2]
    assert cool[2] > 120 > cool[0]


def test_brighter_and_darker_change_overall_lightness() -> None:
    base = sum(_mean(_photo()))
    assert sum(_mean(_edit(_photo(), "a bit brighter"))) > base + 20
    assert sum(_mean(_edit(_photo(), "darken"))) < base - 20


def test_contrast_can_be_raised_and_lowered() -> None:
    greys = Image.new("RGB", (100, 100), (100, 100, 100))
    greys.paste((160, 160, 160), (0, 0, 50, 100))
    base = _spread(greys)
    assert _spread(_edit(greys, "more contrast")) > base * 1.2
    assert _spread(_edit(greys, "decrease contrast")) < base * 0.8


def test_blur_smooths_detail_and_sharpen_brings_it_back_out() -> None:
    assert _spread(_edit(_busy(), "blur")) < _spread(_busy()) * 0.5
    soft = _busy().filter(ImageFilter.GaussianBlur(2))
    assert _spread(_edit(soft, "sharpen")) > _spread(soft) * 1.2


def test_pixelate_turns_the_picture_into_flat_blocks() -> None:
    out = _edit(_busy(), "pixelate")
    assert out.size == (240, 160)
    assert len({out.getpixel((x, y)) for x in range(4) for y in range(4)}) == 1  # blocks are at least 4 px
    assert len(out.getcolors(maxcolors=100_000) or []) < 240 * 160 / 16


def test_rotate_90_degrees_turns_clockwise_and_swaps_width_and_height() -> None:
    out = _edit(_photo(), "rotate 90 degrees")
    assert out.size == (100, 200)
    assert out.getpixel((97, 2)) == WHITE  # top-left marker ends up top-right


@pytest.mark.parametrize("wording", ["rotate 90 degrees counterclockwise", "rotate by -90", "rotate left"])
def test_rotate_counterclockwise_moves_the_top_left_corner_to_the_bottom(wording: str) -> None:
    out = _edit(_photo(), wording)
    assert out.size == (100, 200) and out.getpixel((2, 197)) == WHITE


def test_rotate_by_an_odd_angle_expands_the_canvas_so_nothing_is_cut_off() -> None:
    out = _edit(_photo(), "rotate by 45 degrees clockwise")
    assert out.width >= 212 and out.height >= 212  # (200 + 100) / sqrt(2)
    assert out.getpixel((0, 0)) == WHITE  # new corners are filled, not stretched picture


def test_flip_turns_the_picture_upside_down() -> None:
    assert _edit(_photo(), "flip").getpixel((2, 97)) == WHITE
    assert _edit(_photo(), "flip vertically").getpixel((2, 97)) == WHITE


@pytest.mark.parametrize("wording", ["mirror", "flip horizontally"])
def test_mirror_swaps_left_and_right(wording: str) -> None:
    out = _edit(_photo(), wording)
    assert out.getpixel((197, 2)) == WHITE and out.getpixel((20, 50)) == BLUE


@pytest.mark.parametrize(
    ("wording", "ratio"), [("crop to 16:9", 16 / 9), ("crop to 9:16", 9 / 16), ("crop to square", 1.0)]
)
def test_crop_keeps_the_centre_at_the_asked_ratio(wording: str, ratio: float) -> None:
    out = _edit(_photo(400, 300), wording)
    assert abs(out.width / out.height - ratio) < 0.01
    assert out.width in (400, round(300 * ratio)) and out.height in (300, round(400 / ratio))


def test_crop_to_a_ratio_it_does_not_offer_is_refused() -> None:
    with pytest.raises(EngineInputError, match="5:7"):
        parse_instruction("crop to 5:7")


def test_a_caption_is_written_on_a_dark_band_at_the_bottom() -> None:
    before = Image.new("RGB", (400, 300), (200, 200, 200))
    after = _edit(before, 'add a caption "Hello"')
    assert after.size == before.size
    assert ImageChops.difference(before.crop((0, 0, 400, 200)), after.crop((0, 0, 400, 200))).getbbox() is None
    band = after.crop((0, 270, 400, 300))
    assert _mean(band)[0] < 150  # darker than the picture
    assert max(_pixel(band, (x, y))[0] for x in range(400) for y in range(30)) > 230  # light letters on it


def test_a_long_caption_wraps_onto_more_lines() -> None:
    plain = Image.new("RGB", (400, 300), (200, 200, 200))
    short = _edit(plain, 'caption "Hi"')
    long = _edit(plain, 'caption "' + "a very long caption that will not fit " * 3 + '"')
    assert _mean(long.crop((0, 200, 400, 250)))[0] < _mean(short.crop((0, 200, 400, 250)))[0]


def test_a_quoted_caption_keeps_its_commas_and_ands() -> None:
    ops = parse_instruction('add caption "Salt, pepper and thyme", then mirror')
    assert ops == [Operation("caption", text="Salt, pepper and thyme"), Operation("mirror")]
    assert parse_instruction("add caption 'Yes, and'")[0].text == "Yes, and"
    assert parse_instruction("add a caption “Hot, cold”")[0].text == "Hot, cold"


def test_accented_captions_are_written_plainly_and_other_scripts_are_refused() -> None:
    assert parse_instruction('caption "Café — Noël"')[0].text == "Cafe - Noel"
    with pytest.raises(EngineInputError, match="Latin"):
        parse_instruction('caption "你好"')


def test_several_steps_are_applied_in_order() -> None:
    ops = parse_instruction("Please make it black and white, rotate 90 degrees and then add a caption 'Done'")
    assert [op.name for op in ops] == ["grayscale", "rotate", "caption"]
    out = apply_operations(_photo(), ops)
    assert out.size == (100, 200)
    r, _g, b = out.crop((0, 0, 100, 150)).split()
    assert ImageChops.difference(r, b).getbbox() is None


def test_an_instruction_with_an_unknown_part_is_refused_naming_that_part_and_the_vocabulary() -> None:
    with pytest.raises(EngineInputError) as refused:
        parse_instruction("blur, and make it look like Van Gogh")
    message = str(refused.value)
    assert '"make it look like Van Gogh"' in message
    assert "sepia" in message and "rotate" in message and "caption" in message


@pytest.mark.parametrize("instruction", ["", "   ", ", and then"])
def test_an_empty_instruction_is_refused(instruction: str) -> None:
    with pytest.raises(EngineInputError, match="describe"):
        parse_instruction(instruction)


def test_less_of_something_it_can_only_add_is_refused_rather_than_guessed() -> None:
    with pytest.raises(EngineInputError, match="less blurry"):
        parse_instruction("less blurry")


def test_transparent_palette_and_greyscale_pictures_can_be_edited() -> None:
    rgba = Image.new("RGBA", (40, 20), (255, 0, 0, 0))
    out = _edit(rgba, "invert and mirror")
    assert out.mode == "RGBA" and _pixel(out, (0, 0))[3] == 0
    assert _edit(_photo().convert("P"), "sepia").mode == "RGB"
    assert _edit(_photo().convert("L"), "rotate 90").size == (100, 200)


def test_the_vocabulary_lists_every_kind_of_edit() -> None:
    for word in (
        "black and white",
        "sepia",
        "invert",
        "warmer",
        "cooler",
        "brighter",
        "darker",
        "contrast",
        "blur",
        "sharpen",
        "pixelate",
        "rotate",
        "flip",
        "mirror",
        "crop",
        "caption",
    ):
        assert word in VOCABULARY
