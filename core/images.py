"""Decodes, checks, strips metadata from and thumbnails every image the app stores."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from PIL import (
    ExifTags,
    Image,
    ImageFile,
    JpegImagePlugin,
    PngImagePlugin,
    WebPImagePlugin,
)

from core.errors import EngineError, UploadError
from core.image_previews import displayable, previews, thumbhash_of
from core.text import megapixels_text, size_text

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000

_ACCEPTED = "Upload a JPEG, PNG or WebP."
DAMAGED = "This image is damaged or incomplete, so we cannot read it. Try exporting or saving it again."
_UNCONVERTIBLE = "We could read this image but not convert it for storage. Try exporting it again as a JPEG or PNG."
_ENGINE_MESSAGE = "The image engine returned something that is not a valid image."
_WEBP_MAX_SIDE = 16_383  # the WebP format cannot store a wider or taller image, so we could not re-encode it
# Formats we can name when refusing them. Formats whose plugins have no magic number
# (TGA, DIB) are left out: they would "recognise" arbitrary text files.
_NAMEABLE = ("GIF", "BMP", "TIFF", "ICO", "ICNS", "AVIF", "PSD", "JPEG2000", "PPM", "DDS", "PCX", "SGI", "QOI")
_FRIENDLY_NAMES = {"JPEG2000": "JPEG 2000"}
_HEIC_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"heis")
# How Pillow's decoders report bad data: each plugin and codec has its own habit.
BAD_DATA = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, KeyError, struct.error, zlib.error)
# What each EXIF orientation needs to be shown upright.
_TURNS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


@dataclass(frozen=True)
class CleanImage:
    data: bytes  # re-encoded, with no EXIF/GPS/XMP/ICC/comments/text chunks
    content_type: str  # image/jpeg | image/png | image/webp
    width: int
    height: int
    thumbnail: bytes  # WebP, at most THUMBNAIL_SIDE on the long side, never upscaled
    extension: str  # "jpg" | "png" | "webp"
    preview: bytes = b""  # WebP, at most PREVIEW_SIDE on the long side, never upscaled
    thumbhash: str = ""  # base64 of the ThumbHash bytes: a blurred placeholder the browser draws from ~25 bytes


@dataclass(frozen=True)
class ImageKind:
    content_type: str
    extension: str
    # The plugin class itself, not Image.open: Image.open refuses huge images with an
    # exception that does not carry the dimensions, and we want to name them to the user.
    decoder: Callable[[IO[bytes]], ImageFile.ImageFile]


_JPEG = ImageKind("image/jpeg", "jpg", JpegImagePlugin.JpegImageFile)
_PNG = ImageKind("image/png", "png", PngImagePlugin.PngImageFile)
_WEBP = ImageKind("image/webp", "webp", WebPImagePlugin.WebPImageFile)


def clean_upload(
    data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, max_pixels: int = DEFAULT_MAX_PIXELS
) -> CleanImage:
    """Check a user's upload and return it re-encoded without metadata, or raise UploadError."""
    _check_bytes(data, max_bytes)
    return _clean(data, max_pixels)


def measure_upload(
    data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, max_pixels: int = DEFAULT_MAX_PIXELS
) -> tuple[int, int]:
    """The checks an upload passes before any of its pixels is decoded, anywhere (a preview, a quote, the
    submit): not empty, within the byte limit, a JPEG, PNG or WebP by its magic number, and within the pixel
    limit by its header. Returns (width, height); raises UploadError saying what is wrong."""
    _check_bytes(data, max_bytes)
    _, image = _opened(data, max_pixels)
    with image:
        return image.size


def upload_preview(
    data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, max_pixels: int = DEFAULT_MAX_PIXELS, side: int = 440
) -> bytes:
    """A small upright WebP of an upload for its page to show, made only once it passed `measure_upload`;
    UploadError otherwise, or when its pixels turn out damaged. Nothing of the file but pixels is kept."""
    _check_bytes(data, max_bytes)
    kind, image = _opened(data, max_pixels)
    try:
        with image:
            if kind is _JPEG:
                image.draft("RGB", (side, side))  # decode at 1/2 to 1/8 scale: a preview needs no more
            image.load()
            shown = displayable(_upright(image) or image)
            shown.thumbnail((side, side))
            if shown.mode not in ("RGB", "RGBA"):
                shown = shown.convert("RGBA" if shown.has_transparency_data else "RGB")
            buffer = io.BytesIO()
            shown.save(buffer, format="WEBP", quality=80)
            return buffer.getvalue()
    except BAD_DATA:
        raise UploadError(DAMAGED) from None


def _check_bytes(data: bytes, max_bytes: int) -> None:
    if not data:
        raise UploadError("The file is empty. Choose a JPEG, PNG or WebP image.")
    if len(data) > max_bytes:
        raise UploadError(
            f"The file is {size_text(len(data), max_bytes, round_up=True)}; "
            f"the limit is {size_text(max_bytes, max_bytes, round_up=False)}."
        )


def clean_engine_output(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS, derive: bool = True) -> CleanImage:
    """Same checks as for uploads, but a bad image is the engine's fault, so raise EngineError. `derive=False`
    leaves the preview, thumbnail and placeholder empty: the worker makes them once the image is shown
    (`derivatives`), so they are off the path from the engine to the user's screen."""
    try:
        return _clean(data, max_pixels, derive)
    except UploadError as refusal:
        # The refusal stays attached as the cause, for the logs; the user sees one plain sentence.
        raise EngineError(_ENGINE_MESSAGE) from refusal


def _clean(data: bytes, max_pixels: int, derive: bool = True) -> CleanImage:
    kind, image = _opened(data, max_pixels)
    try:
        image.load()
    except BAD_DATA:
        # Truncated or corrupt pixel data; never set LOAD_TRUNCATED_IMAGES to paper over it.
        raise UploadError(DAMAGED) from None

    upright = _upright(image)
    lossless_webp = kind is _WEBP and _is_lossless_webp(data)
    encoded: Image.Image = image
    try:
        if upright is None and kind is _PNG:
            # Lossless and ~10x faster than re-encoding: copy the pixel chunks, drop the rest.
            clean_data = _png_without_metadata(data)
        else:
            if upright is not None:
                image.close()  # free the sideways pixels before encoding the upright ones
            source = image if upright is None else upright
            clean_data, encoded = _encode(source, kind, rotated=upright is not None, lossless=lossless_webp)
        width, height = encoded.size
        if not derive:
            return CleanImage(clean_data, kind.content_type, width, height, b"", kind.extension)
        preview, thumbnail, small = previews(encoded)  # shrinks `encoded` in place when it can
    except (OSError, ValueError):
        # The pixels were read; an encoder refused them (a size or mode it cannot store).
        raise UploadError(_UNCONVERTIBLE) from None
    return CleanImage(
        clean_data, kind.content_type, width, height, thumbnail, kind.extension, preview, thumbhash_of(small)
    )


def derivatives(clean_data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> tuple[bytes, bytes, str]:
    """The preview, the thumbnail (WebP) and the ThumbHash of an image we stored already cleaned (upright, no
    metadata). Opened with the same pixel limit as any input; raises UploadError if it cannot be read."""
    _kind, image = _opened(clean_data, max_pixels)
    try:
        image.load()
        preview, thumbnail, small = previews(image)
    except BAD_DATA:
        raise UploadError(DAMAGED) from None
    return preview, thumbnail, thumbhash_of(small)


def _opened(data: bytes, max_pixels: int) -> tuple[ImageKind, ImageFile.ImageFile]:
    """The image opened from its header alone (no pixels decoded yet), once its format and size are accepted."""
    kind = sniff(data)
    if kind is None:
        raise UploadError(_not_accepted_message(data))
    limit = _pixel_limit(max_pixels)
    try:
        image = kind.decoder(io.BytesIO(data))
    except Image.DecompressionBombError:
        raise UploadError(
            f"This image has far more pixels than the limit of {megapixels_text(limit, round_up=False)} megapixels."
        ) from None
    except BAD_DATA:
        raise UploadError(DAMAGED) from None
    width, height = image.size  # from the header: no pixels decoded yet
    if width * height > limit:
        image.close()
        raise UploadError(
            f"This image is {width:,} × {height:,} pixels ({megapixels_text(width * height, round_up=True)} megapixels); "
            f"the limit is {megapixels_text(limit, round_up=False)} megapixels. Make it smaller and try again."
        )
    if kind is _WEBP and max(width, height) > _WEBP_MAX_SIDE:
        image.close()
        # An animation's canvas may be larger than any WebP frame; it decodes, but cannot be saved as WebP.
        raise UploadError(
            f"This WebP image is {width:,} × {height:,} pixels; a WebP image can be at most "
            f"{_WEBP_MAX_SIDE:,} pixels wide and high. Make it smaller and try again."
        )
    return kind, image


def sniff(data: bytes) -> ImageKind | None:
    """The image format by its magic number (JPEG, PNG or WebP), or None."""
    if data[:3] == b"\xff\xd8\xff":
        return _JPEG
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return _PNG
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _WEBP
    return None


def _not_accepted_message(data: bytes) -> str:
    name = _other_format_name(data)
    if name is None:
        return f"This file is not an image we can read. {_ACCEPTED}"
    return f"This image is in {name} format, which we cannot use. {_ACCEPTED}"


def _other_format_name(data: bytes) -> str | None:
    if data[4:8] == b"ftyp" and data[8:12] in _HEIC_BRANDS:
        return "HEIC"  # what phones shoot; Pillow cannot open it, but users should hear its name
    try:
        with Image.open(io.BytesIO(data), formats=_NAMEABLE) as other:
            return _FRIENDLY_NAMES.get(other.format or "", other.format)
    except (*BAD_DATA, Image.DecompressionBombError):
        return None


def _pixel_limit(max_pixels: int) -> int:
    # We bypass Image.open's bomb check, so honour Pillow's own ceiling (the point where it
    # would warn) as well: anything Pillow would warn about is refused.
    pillow_limit = Image.MAX_IMAGE_PIXELS
    return max_pixels if pillow_limit is None else min(max_pixels, pillow_limit)


def _upright(image: ImageFile.ImageFile) -> Image.Image | None:
    """The image turned as its EXIF orientation says, or None when it needs no turn.

    Only the pixels are turned. ImageOps.exif_transpose also rewrites the EXIF it leaves behind,
    and that fails on a tag stored with a type other than the one Pillow expects for it; we drop
    the EXIF anyway.
    """
    try:
        orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
    except BAD_DATA:
        return None  # Unreadable EXIF is dropped anyway; the pixels are fine as they are.
    if type(orientation) is not int or orientation not in _TURNS:
        return None  # absent, upright, or nonsense (a text, a fraction, 0, 9, 65535...)
    return image.transpose(_TURNS[orientation])


def _encode(image: Image.Image, kind: ImageKind, *, rotated: bool, lossless: bool) -> tuple[bytes, Image.Image]:
    """Re-encode with nothing but pixels (and PNG transparency); return the bytes and the image used."""
    options: dict[str, Any]
    if kind is _JPEG:
        if image.mode not in ("L", "RGB"):
            image = image.convert("RGB")  # CMYK and YCCK JPEGs display badly in browsers
        # "keep" reuses the source's quantisation tables, so a re-save loses almost nothing. After a
        # quarter turn those tables (tuned per horizontal and vertical frequency) no longer fit the
        # picture, and after a conversion there are none, so use a fixed high quality instead.
        keep = not rotated and isinstance(image, JpegImagePlugin.JpegImageFile)
        options = {"format": "JPEG", "quality": "keep" if keep else 95}
    elif kind is _PNG:
        options = {"format": "PNG", "optimize": False}
    else:
        # Lossless effort 0 is ~10x faster than Pillow's default and about as small as a PNG.
        options = {"format": "WEBP", "lossless": True, "quality": 0, "method": 0}
        if not lossless:
            options = {"format": "WEBP", "quality": 95}
    # Encoders fall back to image.info for ICC, comments and similar; keep only what the
    # pixels need (transparency of palette and grey PNGs).
    image.info = {key: image.info[key] for key in ("transparency",) if key in image.info}
    buffer = io.BytesIO()
    image.save(buffer, **options)
    return buffer.getvalue(), image


# What a PNG needs to show its pixels; everything else (text, XMP, eXIf, iCCP, time) is dropped.
_PNG_KEEP = {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND", b"gAMA", b"cHRM", b"sRGB", b"sBIT"}


def _png_without_metadata(data: bytes) -> bytes:
    """The same PNG with only the chunks in _PNG_KEEP; the file was fully decoded, so it is well formed."""
    out = [data[:8]]
    position = 8
    while position + 8 <= len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        end = position + 12 + length
        if data[position + 4 : position + 8] in _PNG_KEEP:
            out.append(data[position:end])
        if data[position + 4 : position + 8] == b"IEND":
            break
        position = end
    return b"".join(out)


def _is_lossless_webp(data: bytes) -> bool:
    # Walk the RIFF chunks to the first bitstream: "VP8L" is lossless, "VP8 " lossy.
    position = 12
    while position + 8 <= len(data):
        fourcc = data[position : position + 4]
        size = int.from_bytes(data[position + 4 : position + 8], "little")
        if fourcc == b"VP8L":
            return True
        if fourcc == b"VP8 ":
            return False
        if fourcc == b"ANMF":
            position += 8 + 16  # an animation frame's own chunks follow its 16-byte header
            continue
        position += 8 + size + (size & 1)
    return False
