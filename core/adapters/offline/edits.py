"""Edit instructions for the offline engine: a small English vocabulary parsed into Pillow operations."""

from __future__ import annotations

import re
import unicodedata

from core.adapters.offline.edit_ops import Operation, apply_operations
from core.domain import ASPECT_RATIOS
from core.errors import EngineInputError

VOCABULARY = """\
Tone and colour: black and white (or grayscale, monochrome), sepia, invert (or negative),
  warmer, cooler, brighter, darker, more contrast, less contrast
Filters: blur, sharpen, pixelate
Geometry: rotate 90 degrees (clockwise unless you say counterclockwise; any angle works),
  flip (upside down), mirror (left to right), crop to 16:9 (or 21:9, 4:3, 3:2, 2:3, 3:4, 9:16, 9:21, square)
Text: add a caption "your words" (in double, single or curly quotes)
Variation: a subtle variation (small shifts in light, colour and grain; each seed gives another)
Combine steps with commas, "and" or "then"; they are applied in order."""

VOCABULARY_SUMMARY = (
    "black and white, sepia, invert, warmer, cooler, brighter, darker, more contrast, less contrast, "
    "blur, sharpen, pixelate, rotate 90 degrees (clockwise or counterclockwise), flip (upside down), "
    'mirror, crop to 16:9 (or another ratio, or square), add a caption "your words", a subtle variation'
)
MAX_CAPTION_CHARS = 280
# Pillow's embedded font has ASCII plus these; other letters are spelled without accents or refused.
_FONT_EXTRAS = frozenset("©«°±´·»‘’“”…‹›")
_SPELLING = str.maketrans(
    {
        "—": "-",
        "–": "-",
        "ß": "ss",
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "đ": "d",
        "Đ": "D",
        "ı": "i",
        "\u00a0": " ",
    }
)


# --- parsing ---------------------------------------------------------------------------------

_QUOTED = re.compile(r'"([^"]*)"|“([^”]*)”|‘([^’]*)’|(?<!\w)\'([^\']*)\'(?!\w)')
_PLACEHOLDER = re.compile(r"\x00(\d+)\x00")
_BW = re.compile(r"\bblack\s*(?:and|&|-and-|-n-|n)\s*white\b|\bb\s*&\s*w\b", re.IGNORECASE)
_SEPARATORS = re.compile(
    r"\s*(?:[,;!?]|(?<!\d)\.(?!\d)|\band\s+then\b|\bthen\b|\band\b|\balso\b|&|\+)\s*", re.IGNORECASE
)
# Words that carry no meaning for the editor ("please make the image a bit brighter" is "brighter").
_FILLERS = frozenset(
    {
        "please",
        "pls",
        "kindly",
        "can",
        "could",
        "would",
        "will",
        "you",
        "i",
        "want",
        "like",
        "id",
        "i'd",
        "me",
        "now",
        "just",
        "make",
        "turn",
        "convert",
        "change",
        "set",
        "apply",
        "add",
        "give",
        "use",
        "do",
        "put",
        "into",
        "to",
        "in",
        "by",
        "with",
        "it",
        "its",
        "it's",
        "this",
        "that",
        "the",
        "image",
        "picture",
        "photo",
        "photograph",
        "pic",
        "a",
        "an",
        "bit",
        "little",
        "tad",
        "lot",
        "slightly",
        "somewhat",
        "much",
        "very",
        "really",
        "quite",
        "some",
        "effect",
        "filter",
        "look",
        "version",
        "colors",
        "colours",
        "color",
        "colour",
        "tone",
        "tones",
        "toned",
        "style",
    }
)
_DIRECTION = r"(?P<dir>clockwise|cw|counterclockwise|counter-clockwise|counter clockwise|anticlockwise|anti-clockwise|ccw|left|right)"
_NUMBER = r"(?P<n>[-+]?\d+(?:\.\d+)?)"
_ROTATE = re.compile(
    rf"(?:(?:rotate|rotated|rotation|spin)\s*)?(?:{_DIRECTION.replace('dir', 'dir1')}\s*)?"
    rf"(?:{_NUMBER}\s*(?P<unit>degrees|degree|deg|°)?)?\s*(?:{_DIRECTION})?"
)
_CROP = re.compile(
    r"(?:crop\s+(?:(?P<w>\d+)\s*(?::|x|/|\s)\s*(?P<h>\d+)|square)(?:\s+(?:ratio|aspect|aspect ratio|format))?"
    r"|square\s+crop)"
)
_CAPTION = re.compile(
    r"(?:caption|subtitle|text|title|label|words)\s*(?:saying|says|reading|reads|of)?\s*\x00(\d+)\x00"
)
_SIMPLE: list[tuple[str, str]] = [
    # core.domain.variations.SUBTLE_VARIATION_PROMPT reads, once its filler words are gone, as the longest form.
    ("vary", r"vary(?: subtly)?|(?:subtle |slight )?variation(?: of)?(?: while keeping composition)?"),
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
    (
        "flip",
        r"flip|flipped|flip vertically|flip vertical|vertical flip|mirror vertically|(?:flip )?upside down|flip top bottom",
    ),
    (
        "mirror",
        r"mirror|mirrored|(?:mirror|flip) horizontally|flip horizontal|horizontal flip|flip sideways|(?:mirror|flip) left right",
    ),
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
    if direction in (
        "counterclockwise",
        "counter-clockwise",
        "counter clockwise",
        "anticlockwise",
        "anti-clockwise",
        "ccw",
        "left",
    ):
        degrees = -degrees
    return Operation("rotate", degrees=degrees % 360)


__all__ = ["VOCABULARY", "VOCABULARY_SUMMARY", "Operation", "apply_operations", "parse_instruction"]
