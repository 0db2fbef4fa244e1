"""Hostile uploads through the Edit page's submit: each is refused plainly or held and cleaned, never a crash.

Every input is made here from small seed images drawn with Pillow, then truncated, inflated,
glued to other files, mislabelled or mutated by Hypothesis. The profile is derandomized and
keeps no example database, so every run (and CI) sees the same corpus.
"""

from __future__ import annotations

import functools
import hashlib
import io
import itertools
import random
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import ExifTags, Image, PngImagePlugin

from core.bootstrap import Container
from core.domain.gallery import GalleryQuery
from core.errors import AtelierError, UploadError
from core.images import clean_upload
from tests.factories import camera_exif, edit_form, ledger_sum, refreshed, sign_up

MAX_UPLOAD_MB = 0.5
LIMIT_BYTES = int(MAX_UPLOAD_MB * 1024 * 1024)
MAX_PIXELS = 2_000_000
STARTER_CREDITS = 20
MARKER = b"ATELIER-PAYLOAD"  # planted outside the pixels of polyglots: it must not survive cleaning
FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Pillow warns about every EXIF block it has to skip; here that is the point, not news.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:PIL.TiffImagePlugin")
INTERNALS = ("Error", "Exception", "Traceback", 'File "', ".py", "PIL", "0x", "b'", "\\x", "None", "object at")
CLASS_NAME = re.compile(r"\b[A-Z][a-z]+(?:[A-Z][a-z]+)+\b")  # UploadError, ImageFile (but not WebP)
SAME_NUMBER_TWICE = re.compile(r"(?<![\d.,])([\d.,]+) (megapixels|MB|KB)\)?; the limit is \1 \2")


@dataclass(frozen=True)
class Case:
    data: bytes
    expect: Literal["accept", "refuse", "either"] = "either"


# Seed images: small and drawn here, never downloaded.


def encode(image: Image.Image, format: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format, **options)
    return buffer.getvalue()


def noisy(size: tuple[int, int] = (48, 32), mode: str = "RGB", sigma: int = 40) -> Image.Image:
    return Image.effect_noise(size, sigma).convert(mode)


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_from_rows(width: int, height: int, depth: int, colour: int, rows: bytes, extra: bytes = b"") -> bytes:
    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + extra
        + png_chunk(b"IDAT", zlib.compress(rows))
        + png_chunk(b"IEND", b"")
    )


def png16(width: int, height: int, channels: int, seed: int = 0) -> bytes:
    """A 16-bit PNG (RGB or RGBA), which Pillow cannot write itself."""
    pixels = random.Random(seed).randbytes(width * channels * 2)
    rows = b"".join(b"\0" + pixels for _ in range(height))
    return png_from_rows(width, height, 16, 6 if channels == 4 else 2, rows)


def as_ycck(cmyk_jpeg: bytes) -> bytes:
    """Flip the Adobe marker's transform flag from 0 (CMYK) to 2 (YCCK): a valid YCCK JPEG."""
    at = cmyk_jpeg.index(b"Adobe") + 11
    return cmyk_jpeg[:at] + b"\x02" + cmyk_jpeg[at + 1 :]


def palette_with_trns() -> bytes:
    image = noisy(mode="L").convert("P")
    return encode(image, "PNG", transparency=bytes(range(0, 256, 16)))


def frames(count: int, size: tuple[int, int] = (32, 24), mode: str = "RGBA") -> list[Image.Image]:
    return [Image.new(mode, size, (40 * i % 256, 90, 200, 255 - 30 * i)) for i in range(count)]


def animated(format: str, count: int = 3, **options: Any) -> bytes:
    first, *rest = frames(count)
    return encode(first, format, save_all=True, append_images=rest, duration=50, loop=0, **options)


@functools.cache
def seeds() -> dict[str, bytes]:
    text = PngImagePlugin.PngInfo()
    text.add_text("Author", "Jane Doe, 12 Home Street")
    cmyk = encode(noisy(mode="CMYK"), "JPEG")
    return {
        "jpeg": encode(noisy(), "JPEG", quality=85),
        "jpeg-grey": encode(noisy(mode="L"), "JPEG"),
        "jpeg-progressive": encode(noisy(), "JPEG", progressive=True),
        "jpeg-gps-sideways": encode(noisy(), "JPEG", exif=camera_exif(6)),
        "jpeg-cmyk": cmyk,
        "jpeg-ycck": as_ycck(cmyk),
        "png": encode(noisy(), "PNG"),
        "png-rgba": encode(noisy(mode="RGBA"), "PNG"),
        "png-16bit-grey": encode(noisy(mode="L").convert("I;16"), "PNG"),
        "png-16bit-rgb": png16(24, 16, 3),
        "png-16bit-rgba": png16(24, 16, 4),
        "png-1bit": encode(noisy(mode="1"), "PNG"),
        "png-palette-trns": palette_with_trns(),
        "png-la": encode(noisy(mode="LA"), "PNG"),
        "png-gps-text": encode(noisy(), "PNG", exif=camera_exif(3), pnginfo=text),
        "apng": animated("PNG"),
        "webp-lossy": encode(noisy(), "WEBP", quality=80),
        "webp-lossless-rgba": encode(noisy(mode="RGBA"), "WEBP", lossless=True),
        "webp-gps-sideways": encode(noisy(), "WEBP", exif=camera_exif(8)),
        "webp-animated": animated("WEBP"),
        "gif-animated": animated("GIF"),
    }


SEED_NAMES = [
    "jpeg", "jpeg-grey", "jpeg-progressive", "jpeg-gps-sideways", "jpeg-cmyk", "jpeg-ycck", "png", "png-rgba",
    "png-16bit-grey", "png-16bit-rgb", "png-16bit-rgba", "png-1bit", "png-palette-trns", "png-la", "png-gps-text",
    "apng", "webp-lossy", "webp-lossless-rgba", "webp-gps-sideways", "webp-animated", "gif-animated",
]  # fmt: skip
seed_names = st.sampled_from(SEED_NAMES)
noise = st.integers(0, 2**32 - 1).map(lambda n: random.Random(n))


def junk(rng: random.Random, low: int = 0, high: int = 64) -> bytes:
    return rng.randbytes(rng.randint(low, high))


# Building blocks for hostile files.


def jpeg_segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def after_soi(jpeg: bytes, *segments: bytes) -> bytes:
    return jpeg[:2] + b"".join(segments) + jpeg[2:]


def jpeg_claiming(jpeg: bytes, width: int, height: int) -> bytes:
    """The same JPEG with its frame header (SOF) rewritten to claim other dimensions."""
    position = 2
    while position + 4 <= len(jpeg):
        marker, length = jpeg[position + 1], int.from_bytes(jpeg[position + 2 : position + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            at = position + 5
            return jpeg[:at] + struct.pack(">HH", height, width) + jpeg[at + 4 :]
        position += 2 + length
    raise AssertionError("seed JPEG has no frame header")


def png_claiming(width: int, height: int, depth: int = 8, colour: int = 2) -> bytes:
    return png_from_rows(width, height, depth, colour, b"\0" * 64)


def png_with_chunk(png: bytes, kind: bytes, body: bytes, *, before_idat: bool = True) -> bytes:
    at = png.index(b"IDAT") - 4 if before_idat else png.index(b"IEND") - 4
    return png[:at] + png_chunk(kind, body) + png[at:]


def webp_chunk(fourcc: bytes, body: bytes) -> bytes:
    return fourcc + struct.pack("<I", len(body)) + body + b"\0" * (len(body) & 1)


def riff(body: bytes, declared: int | None = None) -> bytes:
    size = 4 + len(body) if declared is None else declared
    return b"RIFF" + struct.pack("<I", size) + b"WEBP" + body


def webp_claiming(kind: str, width: int, height: int) -> bytes:
    if kind == "VP8X":
        dims = (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
        return riff(webp_chunk(b"VP8X", b"\0\0\0\0" + dims))
    if kind == "VP8L":
        bits = (width - 1) | (height - 1) << 14
        return riff(webp_chunk(b"VP8L", b"\x2f" + struct.pack("<I", bits) + b"\0" * 16))
    frame = b"\x10\x02\0" + b"\x9d\x01\x2a" + struct.pack("<HH", width, height) + b"\0" * 16
    return riff(webp_chunk(b"VP8 ", frame))


def webp_with_chunk(webp: bytes, fourcc: bytes, body: bytes) -> bytes:
    return riff(webp[12:] + webp_chunk(fourcc, body))


def tiff(
    entries: list[tuple[int, int, int, bytes]], *, first_ifd: int = 8, next_ifd: int = 0, tail: bytes = b""
) -> bytes:
    """A big-endian TIFF/EXIF block from raw IFD entries (tag, type, count, 4-byte value or offset)."""
    ifd = struct.pack(">H", len(entries)) + b"".join(struct.pack(">HHI", *e[:3]) + e[3] for e in entries)
    return b"MM\0\x2a" + struct.pack(">I", first_ifd) + ifd + struct.pack(">I", next_ifd) + tail


def with_exif(carrier: str, exif: bytes) -> bytes:
    """A small image of the carrier's format with `exif` (a TIFF block) stored where that format keeps it."""
    if carrier == "jpeg":
        return after_soi(seeds()["jpeg"], jpeg_segment(0xE1, b"Exif\0\0" + exif))
    return encode(small_picture(), carrier.upper(), exif=exif)


@functools.cache
def small_picture() -> Image.Image:
    return noisy((24, 16))


def zip_holding(name: str, content: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, content)
    return buffer.getvalue()


# The families of hostile input. Each strategy draws one Case.


@st.composite
def truncated(draw: st.DrawFn) -> Case:
    whole = seeds()[draw(seed_names)]
    return Case(whole[: draw(st.integers(0, len(whole) - 1))])


@functools.cache
def real_bombs() -> list[Case]:
    """Real files whose pixels cost far more than their bytes; the last two are within the pixel limit."""
    huge_text = zlib.compress(b"A" * 20_000_000, 9)
    return [
        Case(encode(Image.new("1", (6000, 6000)), "PNG"), "refuse"),
        Case(encode(Image.new("L", (3000, 3000)), "PNG"), "refuse"),
        Case(encode(Image.new("RGB", (2500, 2500)), "JPEG", quality=10), "refuse"),
        Case(encode(Image.new("RGBA", (4000, 4000)), "WEBP", lossless=True), "refuse"),
        Case(png_from_rows(16, 16, 8, 0, b"\0" * 40_000_000)),  # IDAT inflating to 40 MB for 256 pixels
        Case(png_with_chunk(seeds()["png"], b"zTXt", b"Comment\0\0" + huge_text)),
        Case(png_with_chunk(seeds()["png"], b"iCCP", b"sRGB\0\0" + huge_text)),
        Case(encode(Image.new("L", (1400, 1400)), "PNG"), "accept"),
        Case(encode(Image.new("RGB", (1600, 1200)), "JPEG"), "accept"),
    ]


@st.composite
def bombs(draw: st.DrawFn) -> Case:
    how = draw(st.sampled_from(["png", "jpeg", "VP8X", "VP8L", "VP8 ", "real"]))
    if how == "real":
        return draw(st.sampled_from(real_bombs()))
    widest = {"png": 2**31 - 1, "jpeg": 65535, "VP8X": 2**24, "VP8L": 2**14, "VP8 ": 2**14 - 1}[how]
    width = draw(st.integers(1, widest))
    height = draw(st.integers(min(MAX_PIXELS // width + 1, widest), widest))
    if how == "png":
        depth, colour = draw(st.sampled_from([(8, 2), (8, 6), (16, 6), (1, 0), (8, 3), (16, 0), (8, 4)]))
        return Case(png_claiming(width, height, depth, colour), "refuse")
    if how == "jpeg":
        return Case(
            jpeg_claiming(seeds()[draw(st.sampled_from(["jpeg", "jpeg-progressive"]))], width, height), "refuse"
        )
    return Case(webp_claiming(how, width, height), "refuse")


PAYLOADS = [
    b"<script>alert('" + MARKER + b"')</script>",
    b"<html><body onload=alert(1)>" + MARKER + b"</body></html>",
    b"\n#!/bin/sh\necho " + MARKER + b"\n",
    b"/*" + MARKER + b"*/ fetch('/api/keys').then(r => r.text()).then(eval);",
    b"<?php system($_GET['c']); /* " + MARKER + b" */ ?>",
]


@st.composite
def polyglots(draw: st.DrawFn) -> Case:
    payload = draw(st.sampled_from(PAYLOADS)) + draw(st.binary(max_size=32))
    how = draw(st.integers(0, 9))
    png, jpeg, webp, gif = (seeds()[n] for n in ("png", "jpeg", "webp-lossy", "gif-animated"))
    if how == 0:
        return Case(draw(st.sampled_from([png, seeds()["png-rgba"]])) + zip_holding("index.html", payload))
    if how == 1:
        return Case(jpeg + payload)
    if how == 2:
        return Case(after_soi(jpeg, jpeg_segment(0xFE, payload)))  # a JPEG comment holding a script
    if how == 3:
        return Case(png + gif + MARKER if draw(st.booleans()) else png_with_chunk(png, b"gIFx", gif + payload))
    if how == 4:
        return Case(png + payload)
    if how == 5:
        return Case(png_with_chunk(png, draw(st.sampled_from([b"tEXt", b"iTXt", b"scRp"])), b"x\0" + payload))
    if how == 6:
        return Case(webp_with_chunk(seeds()["webp-gps-sideways"], b"XSS ", payload))
    if how == 7:
        return Case(webp + payload)
    if how == 8:
        svg = b"<svg xmlns='http://www.w3.org/2000/svg' onload=\"" + payload + b'"/>'
        magic = draw(st.sampled_from([b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", riff(b"")[:12], b"GIF89a"]))
        return Case(magic + svg, "refuse")
    return Case(after_soi(jpeg, jpeg_segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0" + payload)))


MAGICS = {
    "png": b"\x89PNG\r\n\x1a\n",
    "jpeg": b"\xff\xd8\xff",
    "webp": b"RIFF\0\0\0\0WEBP",
    "gif": b"GIF89a",
    "bmp": b"BM",
    "tiff": b"II*\0",
    "psd": b"8BPS\0\x01",
    "jpeg2000": b"\0\0\0\x0cjP  \r\n\x87\n",
    "ico": b"\0\0\x01\0",
    "qoi": b"qoif",
    "ppm": b"P6\n",
    "dds": b"DDS ",
    "heic": b"\0\0\0\x18ftypheic",
    "avif": b"\0\0\0\x1cftypavif",
}


@st.composite
def wrong_magic(draw: st.DrawFn) -> Case:
    rng = draw(noise)
    how = draw(st.integers(0, 5))
    if how == 0:  # the right magic for one format, the body of another
        magic, seed = draw(
            st.sampled_from([("png", "jpeg"), ("jpeg", "png"), ("png", "webp-lossy"), ("jpeg", "gif-animated")])
        )
        return Case(MAGICS[magic] + seeds()[seed][draw(st.integers(0, 12)) :])
    if how == 1:  # a RIFF/WEBP header over garbage
        body = draw(st.sampled_from([b"", b"VP8 ", b"VP8L", b"VP8X", b"ANIM", b"ALPH"])) + junk(rng, 0, 200)
        return Case(riff(body, declared=draw(st.sampled_from([None, 0, 2**32 - 1, len(body)]))), "refuse")
    if how == 2:  # a magic number and nothing, or almost nothing, after it
        return Case(MAGICS[draw(st.sampled_from(sorted(MAGICS)))] + junk(rng, 0, 8))
    if how == 3:  # other formats' magic over garbage
        return Case(MAGICS[draw(st.sampled_from(sorted(MAGICS)))] + junk(rng, 8, 600))
    if how == 4:  # a valid PNG signature and IHDR, then the body of a JPEG
        return Case(seeds()["png"][:33] + seeds()["jpeg"][2:], "refuse")
    return Case(junk(rng, 1, 400))


# IFD0 tags (sizes, orientation, pointers, strings, rationals) and GPS tags, each with a type Pillow expects.
IFD0_TAGS = [0x0100, 0x0101, 0x0102, 0x010F, 0x0112, 0x011A, 0x0128, 0x0131, 0x0213, 0x8769, 0x8825, 0x927C, 0xFFFF]
GPS_TAGS = [0, 1, 2, 3, 4, 5, 6, 7, 29, 0xFFFF]
ABSURD = [0, 1, 7, 8, 9, 0x7FFF, 0xFFFF, 2**31 - 1, 2**32 - 1]
absurd = st.one_of(st.sampled_from(ABSURD), st.integers(0, 2**32 - 1))


def ifd_entries(tags: list[int]) -> st.SearchStrategy[list[tuple[int, int, int, bytes]]]:
    """IFD entries with any type (0-16), small or absurd counts, and inline values or wild offsets."""
    value = st.one_of(st.binary(min_size=4, max_size=4), absurd.map(lambda v: struct.pack(">I", v)))
    count = st.one_of(st.integers(1, 4), absurd)
    return st.lists(st.tuples(st.sampled_from(tags), st.integers(0, 16), count, value), max_size=10)


@st.composite
def exif_blocks(draw: st.DrawFn) -> bytes:
    """EXIF that lies: types that do not fit their tags, absurd counts, offsets pointing anywhere or at themselves."""
    entries = draw(ifd_entries(IFD0_TAGS))
    if draw(st.booleans()):  # a real quarter turn, so the EXIF is read, turned and dropped
        entries.insert(0, (0x0112, 3, 1, struct.pack(">HH", draw(st.integers(2, 8)), 0)))
    tail = draw(st.binary(max_size=32))
    if draw(st.booleans()):  # a GPS directory that lies the same way, right after the first one
        gps_at = 8 + 2 + 12 * (len(entries) + 1) + 4
        entries.append((0x8825, 4, 1, struct.pack(">I", gps_at)))
        tail = tiff(draw(ifd_entries(GPS_TAGS)), first_ifd=0)[8:] + tail
    first = draw(st.one_of(st.just(8), st.sampled_from(ABSURD)))
    return tiff(entries, first_ifd=first, next_ifd=draw(st.sampled_from([0, 8, 2**32 - 1])), tail=tail)


@st.composite
def huge_exif(draw: st.DrawFn) -> Case:
    how = draw(st.integers(0, 3))
    carrier = draw(st.sampled_from(["jpeg", "png", "webp"]))
    if how == 0:  # a camera's EXIF with GPS, stretched to the largest APP1 a JPEG can hold
        exif = camera_exif(draw(st.integers(1, 8))).tobytes()
        size = draw(st.integers(1_000, 65_533))
        padded = exif + random.Random(size).randbytes(max(0, size - len(exif)))
        return Case(after_soi(seeds()["jpeg"], jpeg_segment(0xE1, padded[:65_533])))
    if how == 1:  # hundreds of APP1/APP2 segments, ICC profile chunks numbered nonsensically
        segments = []
        for marker, number, total, size in draw(
            st.lists(
                st.tuples(
                    st.sampled_from([0xE1, 0xE2, 0xED, 0xEE]),
                    st.integers(0, 255),
                    st.integers(0, 255),
                    st.integers(0, 300),
                ),
                min_size=1,
                max_size=300,
            )
        ):
            prefix = {0xE1: b"Exif\0\0", 0xE2: b"ICC_PROFILE\0" + bytes((number, total))}.get(
                marker, b"Photoshop 3.0\0"
            )
            segments.append(jpeg_segment(marker, prefix + random.Random(size).randbytes(size)))
        return Case(after_soi(seeds()[draw(st.sampled_from(["jpeg", "jpeg-cmyk"]))], *segments))
    if how == 2:  # lying offsets and types
        return Case(with_exif(carrier, draw(exif_blocks())))
    # A camera's orientation (or an absurd one) and GPS position, the latitude's reference letter
    # filed under any GPS tag with any type: Pillow reads it, but cannot write it back.
    orientation = draw(st.one_of(st.integers(1, 8), absurd))
    reference = (draw(st.sampled_from(GPS_TAGS)), draw(st.integers(0, 16)))
    return Case(with_exif(carrier, exif_with_gps(orientation, draw(absurd), reference)))


def exif_with_gps(orientation: int, degrees: int, reference: tuple[int, int] = (1, 2)) -> bytes:
    """An orientation of any size (a SHORT when it fits, else a LONG) and a GPS position."""
    kind, value = (
        (3, struct.pack(">HH", orientation, 0)) if orientation < 2**16 else (4, struct.pack(">I", orientation))
    )
    gps = tiff(
        [(*reference, 2, b"N\0\0\0"), (2, 5, 3, struct.pack(">I", 68))],
        first_ifd=0,
        tail=struct.pack(">6I", degrees, 1, 22, 1, 5, 1),
    )[8:]
    return tiff([(0x0112, kind, 1, value), (0x8825, 4, 1, struct.pack(">I", 38))], tail=gps)


MODES = ["cmyk", "ycck", "jpeg-L", "jpeg-411", "i16", "rgb16", "rgba16", "1", "P-trns", "L-trns", "RGB-trns", "LA",
         "P-2bit", "webp-rgba"]  # fmt: skip


@st.composite
def colour_modes(draw: st.DrawFn) -> Case:
    """Valid images in the modes that trip up converters, some of them needing a quarter turn."""
    mode = draw(st.sampled_from(MODES))
    size = (draw(st.integers(1, 64)), draw(st.integers(1, 64)))
    sigma = draw(st.integers(1, 120))
    exif = camera_exif(draw(st.integers(1, 8))) if draw(st.booleans()) else Image.Exif()
    picture = Image.effect_noise(size, sigma)
    if mode in ("cmyk", "ycck"):
        cmyk = encode(picture.convert("CMYK"), "JPEG", exif=exif)
        return Case(as_ycck(cmyk) if mode == "ycck" else cmyk, "accept")
    if mode.startswith("jpeg"):
        grey_or_rgb = picture.convert("L" if mode == "jpeg-L" else "RGB")
        return Case(encode(grey_or_rgb, "JPEG", exif=exif, subsampling="4:1:1" if mode == "jpeg-411" else -1), "accept")
    if mode in ("rgb16", "rgba16"):
        exif_chunk = png_chunk(b"eXIf", exif.tobytes()[6:]) if len(exif) else b""
        channels = 3 if mode == "rgb16" else 4
        rows = b"".join(b"\0" + random.Random(sigma + y).randbytes(size[0] * channels * 2) for y in range(size[1]))
        return Case(png_from_rows(*size, 16, 2 if channels == 3 else 6, rows, exif_chunk), "accept")
    if mode == "webp-rgba":
        return Case(encode(picture.convert("RGBA"), "WEBP", lossless=True, exif=exif), "accept")
    options: dict[str, Any] = {"exif": exif}
    if mode == "i16":
        picture = picture.convert("I;16")
    elif mode in ("P-trns", "P-2bit"):
        picture = picture.convert("P")
        options["transparency"] = bytes(range(0, 256, draw(st.integers(1, 64)))) if mode == "P-trns" else 0
        options["bits"] = 2 if mode == "P-2bit" else 8
    elif mode in ("L-trns", "RGB-trns"):
        picture = picture.convert(mode[0] if mode == "L-trns" else "RGB")
        options["transparency"] = draw(st.integers(0, 255)) if mode == "L-trns" else (0, 0, 0)
    else:
        picture = picture.convert(mode)
    return Case(encode(picture, "PNG", **options), "accept")


@st.composite
def animations(draw: st.DrawFn) -> Case:
    format = draw(st.sampled_from(["PNG", "WEBP", "GIF"]))
    count = draw(st.integers(2, 6))
    size = (draw(st.integers(1, 48)), draw(st.integers(1, 48)))
    mode = draw(st.sampled_from(["RGBA", "RGB", "P", "L"]))
    first, *rest = (frame.convert(mode) for frame in frames(count, size))
    options: dict[str, Any] = {"duration": draw(st.integers(0, 500)), "loop": draw(st.integers(0, 3))}
    if format == "PNG":
        # Pillow cannot write a greyscale APNG that disposes of its frames (its writer fails), so those keep them.
        disposal = draw(st.integers(0, 0 if mode == "L" else 2))
        options.update(disposal=disposal, blend=draw(st.integers(0, 1)), default_image=draw(st.booleans()))
    elif format == "WEBP":
        options.update(lossless=draw(st.booleans()), exif=camera_exif(draw(st.integers(1, 8))))
    data = encode(first, format, save_all=True, append_images=rest, **options)
    if format == "WEBP" and draw(st.booleans()):  # a canvas of another size than its frames, up to 2**24 wide
        canvas = (draw(st.one_of(st.integers(1, 2**24), st.integers(16_000, 40_000))), draw(st.integers(1, 48)))
        return Case(data[:24] + b"".join((side - 1).to_bytes(3, "little") for side in canvas) + data[30:])
    return Case(data, "refuse" if format == "GIF" else "accept")


@st.composite
def mutations(draw: st.DrawFn) -> Case:
    """A valid seed with a few bits flipped, bytes inserted, deleted or overwritten."""
    data = bytearray(seeds()[draw(seed_names)])
    where = draw(noise)  # uniform positions: Hypothesis on its own favours the first bytes, the magic number
    for _ in range(draw(st.integers(1, 8))):
        op, at, value = draw(st.integers(0, 3)), where.randrange(len(data)), draw(st.integers(0, 255))
        if op == 0:
            data[at] ^= 1 << (value % 8)
        elif op == 1:
            data[at:at] = bytes((value,)) * (1 + value % 4)
        elif op == 2:
            del data[at : at + 1 + value % 4]
        else:
            data[at] = value
    return Case(bytes(data))


def padded_to(data: bytes, size: int, how: str) -> bytes:
    """A valid image padded, inside its format or after its end, to exactly `size` bytes."""
    if how == "png":
        return png_with_chunk(data, b"pdDg", b"\0" * (size - len(data) - 12), before_idat=False)
    if how == "webp":
        return webp_with_chunk(data, b"PADD", b"\0" * (size - len(data) - 8))
    if how == "jpeg":  # comment segments hold at most 65,533 bytes each
        comments, missing = [], size - len(data)
        while missing:
            take = min(missing, 65_537)
            take -= 4 if missing - take in (1, 2, 3) else 0
            comments.append(jpeg_segment(0xFE, b"\0" * (take - 4)))
            missing -= take
        return after_soi(data, *comments)
    return data + b"\0" * (size - len(data))


# (seed, how it is padded): inside a chunk or comment of its own format, or after its end.
PADDED = [("png", "png"), ("png-rgba", "png"), ("png-16bit-grey", "png"), ("jpeg", "jpeg"), ("jpeg-cmyk", "jpeg"),
          ("webp-lossless-rgba", "webp"), ("jpeg", "tail"), ("png", "tail")]  # fmt: skip


@st.composite
def sizes(draw: st.DrawFn) -> Case:
    how = draw(st.integers(0, 3))
    if how == 0:
        return Case(b"", "refuse")
    if how == 1:
        return Case(draw(st.binary(min_size=1, max_size=1 if draw(st.booleans()) else 16)), "refuse")
    name, kind = draw(st.sampled_from(PADDED))
    over = draw(st.integers(1, 256)) if how == 3 else 0
    return Case(padded_to(seeds()[name], LIMIT_BYTES, kind) + b"\0" * over, "refuse" if over else "accept")


# Running them through the page's submit.


@dataclass(frozen=True)
class Family:
    name: str
    strategy: Callable[[], st.SearchStrategy[Case]]
    distinct: int  # at least this many different files must go through
    examples: int  # how many Hypothesis draws to get there (some draws repeat a file)


FAMILIES = [
    Family("truncated", truncated, 150, 170),
    Family("bombs", bombs, 150, 170),
    Family("polyglots", polyglots, 130, 160),
    Family("wrong-magic", wrong_magic, 120, 180),
    Family("huge-exif", huge_exif, 150, 180),
    Family("colour-modes", colour_modes, 120, 130),
    Family("animated", animations, 60, 70),
    Family("mutations", mutations, 250, 275),
    Family("sizes", sizes, 60, 90),
]
went_through: dict[str, set[bytes]] = {}  # per family, the digests of the files submitted


def reopen(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def assert_plain_sentence(message: str) -> None:
    assert 0 < len(message) < 300, message
    assert message[0].isupper() and message.endswith((".", "!", "?")), message
    assert not any(internal in message for internal in INTERNALS), message
    assert not CLASS_NAME.search(message), message
    assert not SAME_NUMBER_TWICE.search(message), message  # "2 megapixels; the limit is 2 megapixels"


def blob_keys(c: Container) -> set[str]:
    objects: dict[str, Any] = c.blobs.objects  # type: ignore[attr-defined]  # the in-memory store
    return set(objects)


def assert_nothing_was_kept(c: Container, user_id: int, token: str, blobs_before: set[str]) -> None:
    with c.db.reader() as uow:
        assert uow.ledger.count(user_id) == 1  # the sign-up grant, nothing else
        assert not uow.images.find(user_id, GalleryQuery(), limit=1)
        assert uow.generations.get(token) is None
    assert blob_keys(c) == blobs_before


def assert_held_and_cleaned(c: Container, user_id: int, parent_id: int | None, blobs_before: set[str]) -> None:
    cost = c.settings.credits_per_image  # one edit
    with c.db.reader() as uow:
        ledger = [(entry.kind, entry.delta) for entry in uow.ledger.page(user_id, None, 10)]
        images = list(uow.images.find(user_id, GalleryQuery(), limit=10))
    assert ledger == [("hold", -cost), ("grant", STARTER_CREDITS)]
    [upload] = images
    assert upload.source == "upload" and upload.id == parent_id
    assert blob_keys(c) - blobs_before == {upload.blob_key, upload.thumb_key, upload.preview_key}
    data = c.blobs.get(upload.blob_key)
    stored = reopen(data)
    assert stored.size == (upload.width, upload.height)
    assert stored.format == {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}[upload.content_type]
    assert len(stored.getexif()) == 0 and not stored.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert {"exif", "xmp", "XML:com.adobe.xmp", "comment", "icc_profile"}.isdisjoint(stored.info)
    assert MARKER not in data and b"PhoneCo" not in data
    reopen(c.blobs.get(upload.thumb_key))


def submit_and_check(c: Container, case: Case, email: str) -> None:
    """Submit like the Edit page; anything but a job or an AtelierError fails the test (a crash)."""
    user = sign_up(c, email)
    blobs_before, token = blob_keys(c), c.generation.new_token()
    try:
        job = c.generation.submit(user, edit_form(upload=case.data), token)
    except AtelierError as refusal:
        assert case.expect != "accept", f"a valid image was refused: {refusal}"
        assert_plain_sentence(str(refusal))
        if not isinstance(refusal, UploadError):  # cleaning passed it and the engine refused: was the copy sound?
            clean = clean_upload(case.data, max_bytes=LIMIT_BYTES, max_pixels=MAX_PIXELS)
            reopen(clean.data)
        assert refreshed(c, user).balance == ledger_sum(c, user) == STARTER_CREDITS
        assert_nothing_was_kept(c, user.id, token, blobs_before)
        return
    assert case.expect != "refuse", "a file that must be refused was accepted"
    assert job.cost == c.settings.credits_per_image  # one edit
    assert refreshed(c, user).balance == ledger_sum(c, user) == STARTER_CREDITS - job.cost
    assert_held_and_cleaned(c, user.id, job.parent_image_id, blobs_before)


@pytest.mark.parametrize("family", FAMILIES, ids=[f.name for f in FAMILIES])
def test_every_hostile_upload_is_refused_plainly_or_held_and_cleaned(containers, family: Family) -> None:
    c = containers(max_upload_mb=MAX_UPLOAD_MB, max_image_pixels=MAX_PIXELS)
    seen = went_through.setdefault(family.name, set())
    emails = itertools.count()

    @settings(FUZZ, max_examples=family.examples)
    @given(family.strategy())
    def one_upload(case: Case) -> None:
        seen.add(hashlib.sha256(case.data).digest())
        submit_and_check(c, case, f"fuzz{next(emails)}@example.com")

    one_upload()
    assert len(seen) >= family.distinct


def test_at_least_a_thousand_distinct_files_went_through() -> None:
    assert sum(f.distinct for f in FAMILIES) >= 1000  # each family's test checks its own share
    if went_through.keys() != {f.name for f in FAMILIES}:
        pytest.skip("runs only after every family, in the same process")
    assert len(set().union(*went_through.values())) >= 1000


def test_a_file_of_exactly_the_size_limit_is_accepted_and_one_byte_more_is_refused(containers) -> None:
    c = containers(max_upload_mb=MAX_UPLOAD_MB, max_image_pixels=MAX_PIXELS)
    at_limit = padded_to(seeds()["png"], LIMIT_BYTES, "png")
    assert len(at_limit) == LIMIT_BYTES
    submit_and_check(c, Case(at_limit, "accept"), "at@example.com")
    with pytest.raises(UploadError, match="the limit is 512 KB"):
        c.generation.submit(
            sign_up(c, "over@example.com"), edit_form(upload=at_limit + b"\0"), c.generation.new_token()
        )
