"""Edit instructions for the offline engine: a small English vocabulary parsed into Pillow operations."""
from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont, ImageOps

from core.domain import ASPECT_RATIOS
from core.errors import EngineInputError

VOCABULARY = """\
Tone and colour: black and white (or grayscale, monochrome), sepia, invert (or negative),
  warmer, cooler, brighter, darker, more contrast, less contrast
Filters: blur, sharpen, pixelate
Geometry: rotate 90 degrees (clockwise unless you say counterclockwise; any angle works),
  flip (upside down), mirror (left to right), crop to 16:9 (or 21:9, 4:3, 3:2, 2:3, 3:4, 9:16, 9:21, square)
Text: add a caption "your words" (in double, single or curly quotes)
Combine steps with commas, "and" or "then"; they are applied in order."""

VOCABULARY_SUMMARY = (
    'black and white, sepia, invert, warmer, cooler, brighter, darker, more contrast, less contrast, '
    'blur, sharpen, pixelate, rotate 90 degrees (clockwise or counterclockwise), flip (upside down), '
    'mirror, crop to 16:9 (or another ratio, or square), add a caption "your words"'
)
MAX_CAPTION_CHARS = 280
# Pillow's embedded font has ASCII plus these; other letters are spelled without accents or refused.
_FONT_EXTRAS = frozenset("©«°±´·»‘’“”…‹›")
_SPELLING = str.maketrans({"—": "-", "–": "-", "ß": "ss", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "æ": "ae",
                           "Æ": "AE", "œ": "oe", "Œ": "OE", "đ": "d", "Đ": "D", "ı": "i", "\u00a0": " "})


Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@dataclass(frozen=True)
class Operation:
    """One step of an edit. Only the field its name needs is set."""

    name: str
    degrees: float = 0.0  # rotate: clockwise
    ratio: str = ""  # crop: "16:9"
    text: str = ""  # caption


# --- parsing ---------------------------------------------------------------------------------

_QUOTED = re.compile(r'"([^"]*)"|“([^”]*)”|‘([^’]*)’|(?<!\w)\'([^\']*)\'(?!\w)')
_PLACEHOLDER = re.compile(r"\x00(\d+)\x00")
_BW = re.compile(r"\bblack\s*(?:and|&|-and-|-n-|n)\s*white\b|\bb\s*&\s*w\b", re.IGNORECASE)
_SEPARATORS = re.compile(r"\s*(?:[,;!?]|(?<!\d)\.(?!\d)|\band\s+then\b|\bthen\b|\band\b|\balso\b|&|\+)\s*", re.IGNORECASE)
# Words that carry no meaning for the editor ("please make the image a bit brighter" is "brighter").
_FILLERS = frozenset({
    "please", "pls", "kindly", "can", "could", "would", "will", "you", "i", "want", "like", "id", "i'd", "me", "now",
    "just", "make", "turn", "convert", "change", "set", "apply", "add", "give", "use", "do", "put", "into", "to",
    "in", "by", "with", "it", "its", "it's", "this", "that", "the", "image", "picture", "photo", "photograph", "pic",
    "a", "an", "bit", "little", "tad", "lot", "slightly", "somewhat", "much", "very", "really", "quite", "some",
    "effect", "filter", "look", "version", "colors", "colours", "color", "colour", "tone", "tones", "toned", "style"
})
_DIRECTION = r"(?P<dir>clockwise|cw|counterclockwise|counter-clockwise|counter clockwise|anticlockwise|anti-clockwise|ccw|left|right)"
_NUMBER = r"(?P<n>[-+]?\d+(?:\.\d+)?)"
_ROTATE = re.compile(
    rf"(?:(?:rotate|rotated|rotation|spin)\s*)?(?:{_DIRECTION.replace('dir', 'dir1')}\s*)?"
    rf"(?:{_NUMBER}\s*(?P<unit>degrees|degree|deg|°)?)?\s*(?:{_DIRECTION})?"
)
_CROP = re.compile(r"(?:crop\s+(?:(?P<w>\d+)\s*(?::|x|/|\s)\s*(?P<h>\d+)|square)(?:\s+(?:ratio|aspect|aspect ratio|format))?"
                   r"|square\s+crop)")
_CAPTION = re.compile(r"(?:caption|subtitle|text|title|label|words)\s*(?:saying|says|reading|reads|of)?\s*\x00(\d+)\x00")
_SIMPLE: list[tuple[str, str]] = [
    ("grayscale", r"grayscale|greyscale|gray|grey|monochrome|mono|desaturate|desaturated|black\x01white"),
    ("sepia", r"sepia|vintage"),
    ("invert", r"invert|inverted|inverse|negative"),
    ("warmer", r"warmer|warm|warm up|warmth"),
    ("cooler", r"cooler|cool|cool down|colder|cold"),
    ("brighter", r"brighter|brighten|bright|lighter|lighten|(?:increase|boost|raise|more) brightness|brightness up"),
    ("darker", r"darker|darken|dark|dimmer|dim|(?:decrease|reduce|lower|less) brightness|brightness down"),
    ("more_contrast", r"(?:more|increase|increased|higher|high|boost|stronger|add) contrast|contrast|contrast up"),
    ("less_contrast", r"(?:less|decrease|decreased|reduce|reduced|lower|low|softer|weaker) contrast|contrast down"),
    ("blur", r"blur|blurry|blurred|blurrier|gaussian blur|soften|defocus"),
    ("sharpen", r"sharpen|sharper|sharp|crisper|crisp"),
    ("pixelate", r"pixelate|pixelated|pixelize|pixelise|pixel art|pixels|mosaic|8-bit|8 bit"),
    ("flip", r"flip|flipped|flip vertically|flip vertical|vertical flip|mirror vertically|(?:flip )?upside down|flip top bottom"),
    ("mirror", r"mirror|mirrored|(?:mirror|flip) horizontally|flip horizontal|horizontal flip|flip sideways|(?:mirror|flip) left right"),
]
_SIMPLE_RE = [(name, re.compile(pattern)) for name, pattern in _SIMPLE]


def parse_instruction(text: str) -> list[Operation]:
    """The operations an instruction asks for, in order. Raises EngineInputError for anything else."""
    quotes: list[str] = []

    def hide(match: re.Match[str]) -> str:
        quotes.append(next(g for g in match.groups() if g is not None))
        return f" \x00{len(quotes) - 1}\x00 "

    # Quotes are hidden first so a caption's own commas and "and"s do not split the instruction.
    hidden = _BW.sub("black\x01white", _QUOTED.sub(hide, text or ""))
    clauses = [c for c in _SEPARATORS.split(hidden) if c and c.strip()]
    if not clauses:
        raise EngineInputError(f"Please describe the edit. I understand: {VOCABULARY_SUMMARY}.")
    operations: list[Operation] = []
    unknown: list[str] = []
    for clause in clauses:
        operation = _parse_clause(_clean(clause), quotes)
        if operation is None:
            shown = _PLACEHOLDER.sub(lambda m: f'"{quotes[int(m.group(1))]}"', clause).replace("\x01", " and ")
            unknown.append(" ".join(shown.split()))
        else:
            operations.append(operation)
    if unknown:
        parts = " and ".join(f'"{u}"' for u in unknown)
        raise EngineInputError(
            f"The offline editor did not understand {parts}. It understands: {VOCABULARY_SUMMARY}. "
            'Combine them with commas or "and".'
        )
    return operations


def _clean(clause: str) -> str:
    lowered = re.sub(r"(?<=[a-z]):(?=\s|$)", " ", clause.lower().replace("’", "'"))
    words = [w for w in lowered.split() if w not in _FILLERS]
    if not {"contrast", "brightness"} & set(words):  # "more" is filler ("more blurry") except here
        words = [w for w in words if w != "more"]
    return " ".join(words)


def _parse_clause(clause: str, quotes: list[str]) -> Operation | None:
    for name, pattern in _SIMPLE_RE:
        if pattern.fullmatch(clause):
            return Operation(name)
    if match := _CAPTION.fullmatch(clause):
        caption = " ".join(quotes[int(match.group(1))].split())
        if not caption:
            raise EngineInputError('The caption is empty. Put the words between quotes: add a caption "Hello".')
        if len(caption) > MAX_CAPTION_CHARS:
            raise EngineInputError(f"A caption can be up to {MAX_CAPTION_CHARS} characters long.")
        return Operation("caption", text=_drawable(caption))
    if match := _CROP.fullmatch(clause):
        ratio = f"{match.group('w')}:{match.group('h')}" if match.group("w") else "1:1"
        if ratio not in ASPECT_RATIOS:
            raise EngineInputError(f"The offline editor can crop to {', '.join(ASPECT_RATIOS)} or square, not {ratio}.")
        return Operation("crop", ratio=ratio)
    return _parse_rotate(clause)


def _drawable(caption: str) -> str:
    """The caption as the font can draw it ("Café" becomes "Cafe"); refuses scripts it has no letters for."""
    decomposed = unicodedata.normalize("NFKD", caption.translate(_SPELLING))
    text = "".join(c for c in decomposed if not unicodedata.combining(c))
    missing = sorted({c for c in text if not (" " <= c <= "~" or c in _FONT_EXTRAS)})
    if missing:
        raise EngineInputError(
            f"The offline editor can only write captions in Latin letters; it cannot draw {' '.join(missing)}."
        )
    return text


def _parse_rotate(clause: str) -> Operation | None:
    match = _ROTATE.fullmatch(clause)
    if match is None or not clause:
        return None
    said_rotate = clause.split()[0].startswith(("rotat", "spin"))
    direction = match.group("dir") or match.group("dir1")
    if match.group("n") is None:
        if not (said_rotate and direction):  # "rotate left" means a quarter turn; "left" alone means nothing
            return None
        degrees = 90.0
    elif said_rotate or match.group("unit"):
        degrees = float(match.group("n"))
    else:
        return None
    if direction in ("counterclockwise", "counter-clockwise", "counter clockwise", "anticlockwise",
                     "anti-clockwise", "ccw", "left"):
        degrees = -degrees
    return Operation("rotate", degrees=degrees % 360)


# --- applying --------------------------------------------------------------------------------


def apply_operations(image: Image.Image, operations: list[Operation]) -> Image.Image:
    """The edited image, RGB, or RGBA when the input had transparency."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    result = image.convert("RGBA" if has_alpha else "RGB")
    for operation in operations:
        result = _APPLY[operation.name](result, operation)
    return result


def _on_colour(image: Image.Image, change: Callable[[Image.Image], Image.Image]) -> Image.Image:
    """Apply a colour change to the RGB channels only, so transparency is left as it was."""
    if image.mode != "RGBA":
        return change(image)
    changed = change(image.convert("RGB")).convert("RGBA")
    changed.putalpha(image.getchannel("A"))
    return changed


def _tone(change: Callable[[Image.Image], Image.Image]) -> Callable[[Image.Image, Operation], Image.Image]:
    return lambda image, _op: _on_colour(image, change)


def _scale_channels(red: float, blue: float) -> Callable[[Image.Image], Image.Image]:
    red_lut = [min(255, round(v * red)) for v in range(256)]
    blue_lut = [min(255, round(v * blue)) for v in range(256)]

    def change(rgb: Image.Image) -> Image.Image:
        r, g, b = rgb.split()
        return Image.merge("RGB", (r.point(red_lut), g, b.point(blue_lut)))

    return change


def _sepia(rgb: Image.Image) -> Image.Image:
    return ImageOps.colorize(ImageOps.grayscale(rgb), black=(38, 24, 12), white=(255, 244, 218), mid=(166, 126, 84))


def _pixelate(image: Image.Image, _op: Operation) -> Image.Image:
    w, h = image.size
    block = max(4, round(min(w, h) / 48))
    cols, rows = math.ceil(w / block), math.ceil(h / block)
    small = image.resize((cols, rows), Image.Resampling.BOX)
    return small.resize((cols * block, rows * block), Image.Resampling.NEAREST).crop((0, 0, w, h))


def _rotate(image: Image.Image, op: Operation) -> Image.Image:
    quarter_turns = {90.0: Image.Transpose.ROTATE_270, 180.0: Image.Transpose.ROTATE_180, 270.0: Image.Transpose.ROTATE_90}
    if op.degrees in quarter_turns:  # exact and lossless
        return image.transpose(quarter_turns[op.degrees])
    if op.degrees == 0:
        return image
    fill = (0, 0, 0, 0) if image.mode == "RGBA" else (255, 255, 255)
    # Pillow turns counterclockwise; expand so no corner is cut off.
    return image.rotate(-op.degrees, Image.Resampling.BICUBIC, expand=True, fillcolor=fill)


def _crop(image: Image.Image, op: Operation) -> Image.Image:
    rw, rh = (int(x) for x in op.ratio.split(":"))
    w, h = image.size
    if w * rh > h * rw:
        new_w, new_h = max(1, round(h * rw / rh)), h
    else:
        new_w, new_h = w, max(1, round(w * rh / rw))
    left, top = (w - new_w) // 2, (h - new_h) // 2
    return image.crop((left, top, left + new_w, top + new_h))


def _wrap(text: str, font: Font, width: float) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        while font.getlength(word) > width and len(word) > 1:  # a word wider than the image is broken up
            cut = next((i for i in range(len(word) - 1, 0, -1) if font.getlength(word[:i]) <= width), 1)
            lines, word = _append(lines, word[:cut], font, width, force=True), word[cut:]
        lines = _append(lines, word, font, width)
    return lines


def _append(lines: list[str], word: str, font: Font, width: float, force: bool = False) -> list[str]:
    if lines and not force and font.getlength(f"{lines[-1]} {word}") <= width:
        return [*lines[:-1], f"{lines[-1]} {word}"]
    return [*lines, word]


def _caption(image: Image.Image, op: Operation) -> Image.Image:
    w, h = image.size
    size = max(10, round(min(h * 0.055, w * 0.08)))
    while True:  # shrink long captions so the band never covers more than about 40% of the picture
        font = ImageFont.load_default(size=size)
        lines = _wrap(op.text, font, w * 0.92)
        line_height, pad = round(size * 1.25), round(size * 0.5)
        band = len(lines) * line_height + 2 * pad
        if band <= h * 0.4 or size <= 10:
            break
        size = max(10, round(size * 0.85))
    result = image.copy()
    canvas = ImageDraw.Draw(result, "RGBA")
    canvas.rectangle((0, h - band, w, h), fill=(0, 0, 0, 160))
    for i, line in enumerate(lines):
        canvas.text((w / 2, h - band + pad + i * line_height), line, font=font, fill=(255, 255, 255, 255), anchor="ma")
    return result


_APPLY: dict[str, Callable[[Image.Image, Operation], Image.Image]] = {
    "grayscale": _tone(lambda rgb: ImageOps.grayscale(rgb).convert("RGB")),
    "sepia": _tone(_sepia),
    "invert": _tone(ImageOps.invert),
    "warmer": _tone(_scale_channels(red=1.12, blue=0.88)),
    "cooler": _tone(_scale_channels(red=0.88, blue=1.12)),
    "brighter": _tone(lambda rgb: ImageEnhance.Brightness(rgb).enhance(1.3)),
    "darker": _tone(lambda rgb: ImageEnhance.Brightness(rgb).enhance(0.7)),
    "more_contrast": _tone(lambda rgb: ImageEnhance.Contrast(rgb).enhance(1.4)),
    "less_contrast": _tone(lambda rgb: ImageEnhance.Contrast(rgb).enhance(0.65)),
    "blur": lambda image, _op: image.filter(ImageFilter.GaussianBlur(radius=max(2.0, min(image.size) / 150))),
    "sharpen": lambda image, _op: image.filter(ImageFilter.UnsharpMask(radius=2, percent=160, threshold=2)),
    "pixelate": _pixelate,
    "rotate": _rotate,
    "flip": lambda image, _op: image.transpose(Image.Transpose.FLIP_TOP_BOTTOM),
    "mirror": lambda image, _op: image.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
    "crop": _crop,
    "caption": _caption,
}
