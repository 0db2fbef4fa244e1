"""What users see when images are uploaded or come back from the engine: refusals, cleaning, thumbnails."""

from __future__ import annotations

import base64
import io
import math
import struct
import zlib
from typing import Any

import pytest
import thumbhash
from PIL import ExifTags, Image, ImageCms, JpegImagePlugin, PngImagePlugin

from core.errors import EngineError, UploadError
from core.image_previews import thumbhash_of
from core.images import CleanImage, clean_engine_output, clean_upload
from tests.factories import camera_exif

RED = (255, 0, 0)
BLUE = (0, 0, 255)
NOT_AN_IMAGE = "is not an image we can read. Upload a JPEG, PNG or WebP."
DAMAGED = "damaged or incomplete"


def encode(image: Image.Image, format: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format, **options)
    return buffer.getvalue()


def noisy(size: tuple[int, int] = (320, 200), mode: str = "RGB") -> Image.Image:
    return Image.effect_noise(size, 40).convert(mode)


def red_left_blue_right(size: tuple[int, int] = (200, 100)) -> Image.Image:
    image = Image.new("RGB", size, BLUE)
    image.paste(RED, (0, 0, size[0] // 2, size[1]))
    return image


def png_header_claiming(width: int, height: int) -> bytes:
    """A PNG that says it is width × height but carries no pixels: a bomb that costs nothing to build."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def webp_header_claiming(width: int, height: int) -> bytes:
    body = b"VP8X" + struct.pack("<I", 10) + b"\0\0\0\0"
    body += (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body


def reopen(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def pixel(image: Image.Image, xy: tuple[int, int]) -> tuple[int, ...]:
    value = image.getpixel(xy)
    assert isinstance(value, tuple)
    return value


def assert_no_metadata(clean: CleanImage) -> None:
    image = reopen(clean.data)
    assert len(image.getexif()) == 0
    leaked = {"exif", "xmp", "XML:com.adobe.xmp", "comment", "icc_profile", "Author", "Description"}
    assert leaked.isdisjoint(image.info)
    assert not getattr(image, "text", {})


# Refusals


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(UploadError, match="empty"):
        clean_upload(b"")


def test_a_file_over_the_size_limit_is_refused_stating_both_sizes() -> None:
    with pytest.raises(UploadError) as refused:
        clean_upload(b"\0" * int(12.4 * 1024 * 1024))
    assert str(refused.value) == "The file is 12.4 MB; the limit is 10 MB."


def test_the_file_and_the_limit_are_stated_in_one_unit() -> None:
    with pytest.raises(UploadError) as refused:
        clean_upload(b"\0" * (3 * 1024 * 1024), max_bytes=512 * 1024)
    assert str(refused.value) == "The file is 3,072 KB; the limit is 512 KB."


def test_a_file_just_over_the_limit_does_not_read_as_equal_to_it() -> None:
    with pytest.raises(UploadError) as refused:
        clean_upload(b"\0" * (10 * 1024 * 1024 + 1))
    assert str(refused.value) == "The file is 10.1 MB; the limit is 10 MB."


@pytest.mark.parametrize(
    "data",
    [
        b"Dear diary, today I uploaded a text file.\n",
        encode(noisy((40, 40)), "PDF"),
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
    ],
    ids=["text", "pdf", "svg"],
)
def test_a_file_that_is_not_an_image_is_refused_plainly(data: bytes) -> None:
    with pytest.raises(UploadError) as refused:
        clean_upload(data)
    assert str(refused.value) == f"This file {NOT_AN_IMAGE}"


@pytest.mark.parametrize("format", ["GIF", "BMP", "TIFF"])
def test_an_image_in_another_format_is_refused_naming_it_and_the_accepted_ones(format: str) -> None:
    with pytest.raises(UploadError) as refused:
        clean_upload(encode(noisy((40, 40)), format))
    assert format in str(refused.value)
    assert "Upload a JPEG, PNG or WebP." in str(refused.value)


def test_an_iphone_heic_photo_is_refused_by_name() -> None:
    heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + b"\0" * 64
    with pytest.raises(UploadError, match="HEIC"):
        clean_upload(heic)


@pytest.mark.parametrize("format", ["JPEG", "PNG", "WEBP"])
def test_a_truncated_image_is_refused_as_damaged(format: str) -> None:
    whole = encode(noisy(), format)
    with pytest.raises(UploadError, match=DAMAGED):
        clean_upload(whole[: len(whole) // 2])


def test_an_image_with_a_broken_header_is_refused_as_damaged() -> None:
    with pytest.raises(UploadError, match=DAMAGED):
        clean_upload(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10)


def test_a_header_claiming_a_huge_image_is_refused_before_decoding() -> None:
    with pytest.raises(UploadError) as refused:
        clean_upload(png_header_claiming(100_000, 100_000))
    assert "100,000 × 100,000 pixels" in str(refused.value)
    assert "the limit is 40 megapixels" in str(refused.value)


def test_a_real_image_over_the_pixel_limit_is_refused_naming_its_dimensions() -> None:
    # 1-bit and blank, so 48 megapixels take a few kilobytes on disk.
    data = encode(Image.new("1", (8000, 6000)), "PNG")
    assert len(data) < 100_000
    with pytest.raises(UploadError) as refused:
        clean_upload(data)
    assert "8,000 × 6,000 pixels (48 megapixels)" in str(refused.value)
    assert "the limit is 40 megapixels" in str(refused.value)


def test_the_pixel_limit_can_be_lowered() -> None:
    with pytest.raises(UploadError, match=r"320 × 200 pixels"):
        clean_upload(encode(noisy(), "JPEG"), max_pixels=320 * 200 - 1)
    assert clean_upload(encode(noisy(), "JPEG"), max_pixels=320 * 200).width == 320


def test_a_pixel_limit_above_pillows_bomb_threshold_is_still_capped_by_it() -> None:
    # Pillow's ceiling is 89,478,485 pixels; a limit is rounded down when shown.
    with pytest.raises(UploadError, match=r"the limit is 89\.4 megapixels"):
        clean_upload(png_header_claiming(10_000, 10_000), max_pixels=10**12)


def test_an_image_just_over_the_pixel_limit_does_not_read_as_equal_to_it() -> None:
    with pytest.raises(UploadError) as refused:
        clean_upload(png_header_claiming(1_000, 2_001), max_pixels=2_000_000)
    assert "1,000 × 2,001 pixels (2.01 megapixels); the limit is 2 megapixels." in str(refused.value)


def test_a_webp_too_large_for_pillow_to_even_open_is_refused() -> None:
    with pytest.raises(UploadError, match="far more pixels than the limit of 40 megapixels"):
        clean_upload(webp_header_claiming(16_000, 16_000))


def test_an_animated_webp_whose_canvas_is_wider_than_webp_allows_is_refused_naming_its_size() -> None:
    # The canvas may be up to 2**24 wide, but no WebP can be saved wider than 16,383: it could not be stored.
    first, *rest = (Image.new("RGBA", (30, 20), (80 * i, 0, 0, 255)) for i in range(3))
    animation = encode(first, "WEBP", save_all=True, append_images=rest)
    canvas = (20_000 - 1).to_bytes(3, "little") + (24 - 1).to_bytes(3, "little")
    with pytest.raises(UploadError) as refused:
        clean_upload(animation[:24] + canvas + animation[30:])  # the VP8X header's canvas size
    assert "20,000 × 24 pixels" in str(refused.value)
    assert "at most 16,383 pixels" in str(refused.value)


@pytest.mark.parametrize(
    "data",
    [
        b"not an image",
        encode(noisy((40, 40)), "GIF"),
        encode(noisy(), "JPEG")[:900],
        png_header_claiming(100_000, 100_000),
    ],
    ids=["text", "gif", "truncated", "bomb"],
)
def test_refusals_never_show_python_internals(data: bytes) -> None:
    with pytest.raises(UploadError) as refused:
        clean_upload(data)
    message = str(refused.value)
    for internal in ("Error", "Traceback", "PIL", "exception", "cannot identify", "truncated"):
        assert internal not in message


# Cleaning


def test_gps_and_camera_exif_are_removed_from_a_jpeg() -> None:
    source = encode(noisy(), "JPEG", exif=camera_exif(), comment=b"shot at home", xmp=b"<x:xmpmeta/>")
    assert reopen(source).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test input really has GPS
    clean = clean_upload(source)
    assert_no_metadata(clean)
    assert b"PhoneCo" not in clean.data
    assert b"shot at home" not in clean.data


def test_text_chunks_exif_and_colour_profile_are_removed_from_a_png() -> None:
    text = PngImagePlugin.PngInfo()
    text.add_text("Author", "Jane Doe, 12 Home Street")
    text.add_text("Description", "my flat", zip=True)
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    source = encode(noisy(), "PNG", pnginfo=text, exif=camera_exif(), icc_profile=profile)
    clean = clean_upload(source)
    assert_no_metadata(clean)
    assert b"Jane Doe" not in clean.data


def test_exif_is_removed_from_a_webp() -> None:
    clean = clean_upload(encode(noisy(), "WEBP", exif=camera_exif(), xmp=b"<x:xmpmeta/>"))
    assert_no_metadata(clean)
    assert b"PhoneCo" not in clean.data


def test_a_sideways_phone_photo_is_turned_upright() -> None:
    # Orientation 6: the camera stored it lying on its side; viewers turn it 90° clockwise.
    clean = clean_upload(encode(red_left_blue_right((200, 100)), "JPEG", exif=camera_exif(orientation=6)))
    image = reopen(clean.data)
    assert (clean.width, clean.height) == image.size == (100, 200)
    red, _, blue = pixel(image, (50, 20))
    assert red > 200 and blue < 60  # the left (red) half is now on top
    red, _, blue = pixel(image, (50, 180))
    assert blue > 200 and red < 60
    assert len(image.getexif()) == 0  # no orientation tag left to turn it a second time


def exif_block(*entries: tuple[int, int, int, bytes], tail: bytes = b"") -> bytes:
    """Raw big-endian EXIF: one directory of (tag, type, count, 4-byte value or offset) entries, then `tail`."""
    directory = struct.pack(">H", len(entries)) + b"".join(struct.pack(">HHI", *e[:3]) + e[3] for e in entries)
    return b"Exif\0\0MM\0\x2a" + struct.pack(">I", 8) + directory + struct.pack(">I", 0) + tail


SIDEWAYS = (ExifTags.Base.Orientation, 3, 1, struct.pack(">HH", 6, 0))


@pytest.mark.parametrize("format", ["JPEG", "PNG", "WEBP"])
@pytest.mark.parametrize(
    "exif",
    [
        exif_block(SIDEWAYS, (ExifTags.Base.ImageWidth, 2, 4, b"abc\0")),
        exif_block(SIDEWAYS, (ExifTags.Base.XResolution, 2, 3, b"72\0\0")),
        # A GPS directory at offset 38 whose version number (bytes) is stored as text.
        exif_block(
            SIDEWAYS,
            (ExifTags.IFD.GPSInfo, 4, 1, struct.pack(">I", 38)),
            tail=struct.pack(">HHHI", 1, ExifTags.GPS.GPSVersionID, 2, 2) + b"N\0\0\0" + struct.pack(">I", 0),
        ),
    ],
    ids=["width-as-text", "resolution-as-text", "gps-version-as-text"],
)
def test_a_sideways_photo_with_tags_of_the_wrong_type_is_still_turned_upright(exif: bytes, format: str) -> None:
    # Found by fuzzing: turning the photo used to rewrite its EXIF, which Pillow cannot do for these tags.
    clean = clean_upload(encode(red_left_blue_right((200, 100)), format, exif=exif))
    image = reopen(clean.data).convert("RGB")
    assert (clean.width, clean.height) == image.size == (100, 200)
    red, _, blue = pixel(image, (50, 20))
    assert red > 200 and blue < 60  # the left (red) half is now on top
    assert_no_metadata(clean)


def test_an_upright_jpeg_keeps_its_quality_settings() -> None:
    source = encode(noisy(), "JPEG", quality=70)
    clean = clean_upload(source)
    cleaned, original = reopen(clean.data), reopen(source)
    assert isinstance(cleaned, JpegImagePlugin.JpegImageFile) and isinstance(original, JpegImagePlugin.JpegImageFile)
    assert cleaned.quantization == original.quantization


@pytest.mark.parametrize(
    ("format", "content_type", "extension"),
    [("JPEG", "image/jpeg", "jpg"), ("PNG", "image/png", "png"), ("WEBP", "image/webp", "webp")],
)
def test_the_format_is_preserved(format: str, content_type: str, extension: str) -> None:
    clean = clean_upload(encode(noisy(), format))
    assert (clean.content_type, clean.extension) == (content_type, extension)
    assert reopen(clean.data).format == format
    assert (clean.width, clean.height) == (320, 200)


def test_a_cmyk_jpeg_becomes_an_rgb_jpeg() -> None:
    clean = clean_upload(encode(noisy(mode="CMYK"), "JPEG"))
    assert reopen(clean.data).mode == "RGB"


def test_transparency_survives_in_png_and_webp() -> None:
    image = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    image.paste((255, 0, 0, 255), (0, 0, 32, 64))
    for format in ("PNG", "WEBP"):
        cleaned = reopen(clean_upload(encode(image, format, lossless=True)).data)
        assert pixel(cleaned.convert("RGBA"), (60, 10))[3] == 0
        assert cleaned.convert("RGBA").getpixel((10, 10)) == (255, 0, 0, 255)


def test_a_palette_png_keeps_its_transparent_colour() -> None:
    image = Image.new("P", (40, 40), 0)
    image.putpalette([255, 255, 255, 255, 0, 0] + [0] * 762)
    image.paste(1, (0, 0, 20, 40))
    cleaned = reopen(clean_upload(encode(image, "PNG", transparency=0)).data)
    assert pixel(cleaned.convert("RGBA"), (30, 5))[3] == 0


def test_a_lossless_webp_stays_pixel_exact() -> None:
    image = noisy((64, 48))
    cleaned = reopen(clean_upload(encode(image, "WEBP", lossless=True)).data).convert("RGB")
    assert cleaned.tobytes() == image.tobytes()


# Thumbnails


@pytest.mark.parametrize(
    ("size", "expected"),
    [((640, 320), (256, 128)), ((300, 600), (128, 256)), ((500, 500), (256, 256))],
)
def test_the_thumbnail_is_a_webp_with_long_side_256_and_the_same_shape(
    size: tuple[int, int], expected: tuple[int, int]
) -> None:
    for format in ("JPEG", "PNG", "WEBP"):
        thumbnail = reopen(clean_upload(encode(noisy(size), format)).thumbnail)
        assert thumbnail.format == "WEBP"
        assert thumbnail.size == expected


def test_a_small_image_is_not_upscaled_for_its_thumbnail() -> None:
    thumbnail = reopen(clean_upload(encode(noisy((100, 50)), "PNG")).thumbnail)
    assert thumbnail.size == (100, 50)


def test_the_thumbnail_of_a_sideways_photo_is_upright_too() -> None:
    clean = clean_upload(encode(red_left_blue_right((400, 200)), "JPEG", exif=camera_exif(orientation=6)))
    thumbnail = reopen(clean.thumbnail).convert("RGB")
    assert thumbnail.size == (128, 256)
    assert pixel(thumbnail, (64, 20))[0] > 200


def test_the_thumbnail_keeps_transparency_and_carries_no_metadata() -> None:
    image = Image.new("RGBA", (512, 512), (0, 0, 0, 0))
    image.paste((0, 0, 255, 255), (0, 0, 256, 512))
    thumbnail = reopen(clean_upload(encode(image, "PNG", exif=camera_exif())).thumbnail)
    assert thumbnail.mode == "RGBA"
    assert pixel(thumbnail, (250, 10))[3] == 0
    assert len(thumbnail.getexif()) == 0


@pytest.mark.parametrize("mode", ["1", "P", "L", "LA", "I;16"])
def test_unusual_png_modes_still_get_a_thumbnail(mode: str) -> None:
    thumbnail = reopen(clean_upload(encode(noisy((512, 256), mode="L").convert(mode), "PNG")).thumbnail)
    assert thumbnail.size == (256, 128)


# ThumbHash: the blurred placeholder a tile shows while its picture loads


def hash_bytes(text: str) -> list[int]:
    return list(base64.b64decode(text, validate=True))


@pytest.mark.parametrize("format", ["JPEG", "PNG", "WEBP"])
def test_a_cleaned_image_carries_a_short_thumbhash_of_its_colours(format: str) -> None:
    clean = clean_upload(encode(red_left_blue_right((400, 200)), format))
    assert 0 < len(clean.thumbhash) <= 40
    red, green, blue, alpha = thumbhash.thumb_hash_to_average_rgba(hash_bytes(clean.thumbhash))
    assert (red, green, blue, alpha) == pytest.approx((0.5, 0.0, 0.5, 1.0), abs=0.06)


@pytest.mark.parametrize("size", [(900, 600), (600, 900), (1600, 400), (256, 256), (30, 10)])
def test_the_thumbhash_has_roughly_the_images_shape(size: tuple[int, int]) -> None:
    hashed = hash_bytes(thumbhash_of(noisy(size)))
    ratio = thumbhash.thumb_hash_to_approximate_aspect_ratio(hashed)
    # ThumbHash stores the shape as a ratio of small whole numbers (7:5, 7:4...), so only roughly.
    assert abs(math.log(ratio / (size[0] / size[1]))) < 0.3, ratio


def test_a_transparent_image_still_gets_a_thumbhash_of_its_visible_colour() -> None:
    image = Image.new("RGBA", (300, 200), (*BLUE, 255))
    image.paste((*RED, 0), (0, 0, 150, 200))  # the left half is see-through
    clean = clean_upload(encode(image, "PNG"))
    red, green, blue, alpha = thumbhash.thumb_hash_to_average_rgba(hash_bytes(clean.thumbhash))
    assert (red, green, blue, alpha) == pytest.approx((0.0, 0.0, 1.0, 1.0), abs=0.06)


@pytest.mark.parametrize("mode", ["1", "P", "L", "LA", "I;16", "CMYK"])
def test_images_in_every_mode_get_a_thumbhash(mode: str) -> None:
    assert 0 < len(thumbhash_of(noisy((512, 256), mode="L").convert(mode))) <= 40


def test_a_large_image_is_hashed_from_a_small_copy_and_left_as_it_was() -> None:
    image = red_left_blue_right((4000, 2000))
    assert thumbhash_of(image) == thumbhash_of(red_left_blue_right((400, 200)))
    assert image.size == (4000, 2000)


def nibbles(hashed: bytes) -> list[int]:
    return [half for byte in hashed[5:] for half in (byte & 15, byte >> 4)]


def coloured(size: tuple[int, int]) -> Image.Image:
    """Colour noise over a gradient: every frequency ThumbHash keeps carries something."""
    noise = Image.merge("RGB", [Image.effect_noise(size, 60) for _ in range(3)])
    return Image.blend(Image.linear_gradient("L").resize(size).convert("RGB"), noise, 0.5)


@pytest.mark.parametrize("size", [(32, 32), (32, 18), (12, 32), (32, 5)])
def test_the_thumbhash_is_the_reference_encoders_up_to_one_rounding_step(size: tuple[int, int]) -> None:
    image = coloured(size)
    ours = bytes(hash_bytes(thumbhash_of(image)))
    reference = bytes(thumbhash.rgba_to_thumb_hash(*size, list(image.convert("RGBA").tobytes())))
    assert ours[:5] == reference[:5]  # average colour, scales, shape
    assert len(ours) == len(reference)
    assert max(abs(a - b) for a, b in zip(nibbles(ours), nibbles(reference))) <= 1


def test_a_flat_image_gets_a_placeholder_with_no_pattern() -> None:
    hashed = hash_bytes(thumbhash_of(Image.new("RGB", (64, 48), (30, 140, 200))))
    assert thumbhash.thumb_hash_to_average_rgba(hashed) == pytest.approx((30 / 255, 140 / 255, 200 / 255, 1), abs=0.03)
    width, height, rgba = thumbhash.thumb_hash_to_rgba(hashed)
    assert len(set(zip(rgba[0::4], rgba[1::4], rgba[2::4]))) == 1  # one colour: no stripes from rounding noise


# Engine output


def test_a_valid_engine_image_is_cleaned_like_an_upload() -> None:
    clean = clean_engine_output(encode(noisy(), "PNG", exif=camera_exif()))
    assert clean.content_type == "image/png"
    assert_no_metadata(clean)


@pytest.mark.parametrize(
    "data",
    [b"", b"<html>502 Bad Gateway</html>", encode(noisy(), "PNG")[:3000], encode(noisy((40, 40)), "GIF")],
    ids=["empty", "html", "truncated", "gif"],
)
def test_garbage_from_the_engine_is_the_engines_fault(data: bytes) -> None:
    with pytest.raises(EngineError) as failed:
        clean_engine_output(data)
    assert str(failed.value) == "The image engine returned something that is not a valid image."


def test_an_oversized_engine_image_is_the_engines_fault() -> None:
    with pytest.raises(EngineError):
        clean_engine_output(png_header_claiming(100_000, 100_000))


def test_a_png_is_cleaned_without_touching_its_pixels() -> None:
    source = Image.effect_noise((64, 48), 40).convert("RGB")
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>GPS 48.85, 2.35</x:xmpmeta>")
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "PhoneCo"
    source.save(buffer, "PNG", pnginfo=info, exif=exif)
    assert b"PhoneCo" in buffer.getvalue()
    cleaned = clean_upload(buffer.getvalue())
    assert b"xmpmeta" not in cleaned.data and b"PhoneCo" not in cleaned.data
    assert Image.open(io.BytesIO(cleaned.data)).convert("RGB").tobytes() == source.tobytes()
