"""The one gate for text a user can store: each kind of text has a rule, and every refusal names the field and
what to fix.

Refused everywhere: control characters (a multi-line field keeps line breaks and tabs), characters that
change the direction of text (U+202A-U+202E, U+2066-U+2069, U+200E/U+200F, U+061C) or are invisible
(zero-width U+200B-U+200D, U+2060, U+FEFF, and every other formatting character), line and paragraph
separators, unpaired surrogates, private-use characters and noncharacters. What is kept is NFC-normalised
and trimmed; a one-line field also has its runs of white space made one space. The length limit is each
rule's own, from settings where it matters.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from core.domain import MAX_PROMPT_CHARS, GenerationKind
from core.errors import ValidationError

DIRECTION = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")
EMOJI_JOINER = "\u200d"  # zero-width, but it joins the parts of one emoji (👩 + 💻 = 👩‍💻)
MULTILINE_CONTROLS = frozenset("\n\t")
_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Column sizes (db/tables) bound the settings that choose a limit: PostgreSQL refuses a longer value.
DISPLAY_NAME_COLUMN = 200
COLLECTION_NAME_COLUMN = 60
REASON_COLUMN = 300
EMAIL_CHARS = 320
REQUEST_CHARS = 2_000  # a privacy request and its answer: a few paragraphs
# Why a character is refused, in the order a message reports them: what the message calls them, and why.
_KINDS = {
    "control": ("invisible control characters", ""),
    "direction": (
        "characters that change the direction of text",
        ", which can make it read differently from what is stored",
    ),
    "zero-width": ("invisible zero-width characters", ""),
    "format": ("invisible formatting characters", ""),
    "not-text": ("characters that are not text", " (private-use characters, noncharacters or broken surrogates)"),
}


@dataclass(frozen=True)
class TextRule:
    """One kind of stored text. `noun` names it in messages ("collection name"); `empty` is said when nothing
    (or, with `min_chars`, too little) is left once trimmed."""

    noun: str
    max_chars: int
    empty: str
    multiline: bool = False
    min_chars: int = 1

    def clean(self, text: str) -> str:
        """The text as it is stored, or ValidationError saying what is wrong and how to fix it."""
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if not self.multiline:
            text = text.replace("\n", " ").replace("\t", " ")  # what a paste into a one-line box brings
        if refused := refused_characters(text, multiline=self.multiline):
            kind, found = refused
            shown = ", ".join(f"U+{ord(c):04X}" for c in found[:3])
            what, why = _KINDS[kind]
            raise ValidationError(f"The {self.noun} contains {what} ({shown}){why}. Remove them and try again.")
        text = unicodedata.normalize("NFC", text).strip()
        if not self.multiline:
            text = " ".join(text.split())
        if len(text) < self.min_chars:
            raise ValidationError(self.empty)
        if len(text) > self.max_chars:
            raise ValidationError(
                f"The {self.noun} is {len(text):,} characters long; the limit is {self.max_chars:,}. "
                "Shorten it and try again."
            )
        return text

    def clean_or(self, text: str, fallback: str) -> str:
        """The cleaned text, or `fallback` when the rule refuses it (for text the user cannot fix)."""
        try:
            return self.clean(text)
        except ValidationError:
            return fallback


def refused_characters(text: str, *, multiline: bool = True) -> tuple[str, list[str]] | None:
    """The first kind of refused character in `text` (in _KINDS order) and the distinct ones of that kind,
    in order of appearance; None when every character may be stored. A zero-width joiner inside an emoji
    sequence (👩‍💻, 👨‍👩‍👧) is part of the emoji, not a hidden character."""
    text = _without_emoji_joiners(text)
    if text.isascii():
        found = list(dict.fromkeys(c for c in _ASCII_CONTROL.findall(text)))
        found += [] if multiline else [c for c in dict.fromkeys(text) if c in MULTILINE_CONTROLS]
        return ("control", found) if found else None
    kinds: dict[str, list[str]] = {}
    for char in dict.fromkeys(text):
        kind = character_kind(char, multiline=multiline)
        if kind is not None:
            kinds.setdefault(kind, []).append(char)
    for kind in _KINDS:
        if kind in kinds:
            return kind, kinds[kind]
    return None


def _without_emoji_joiners(text: str) -> str:
    if EMOJI_JOINER not in text:
        return text
    kept = [
        c
        for i, c in enumerate(text)
        if not (c == EMOJI_JOINER and 0 < i < len(text) - 1 and _joins(text[i - 1]) and _starts_emoji(text[i + 1]))
    ]
    return "".join(kept)


def _joins(char: str) -> bool:
    """Whether an emoji sequence can go on after `char`: an emoji, its presentation selector or a skin tone."""
    return _starts_emoji(char) or char == "\ufe0f" or 0x1F3FB <= ord(char) <= 0x1F3FF


def _starts_emoji(char: str) -> bool:
    return unicodedata.category(char) == "So"


def character_kind(char: str, *, multiline: bool = True) -> str | None:
    """Why `char` may not be stored (a key of _KINDS), or None when it may."""
    if multiline and char in MULTILINE_CONTROLS:
        return None
    category = unicodedata.category(char)
    if category in ("Cc", "Zl", "Zp"):
        return "control"
    if char in DIRECTION:
        return "direction"
    if char in ZERO_WIDTH:
        return "zero-width"
    if category == "Cf":
        return "format"
    code = ord(char)
    if category in ("Cs", "Co") or 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE:
        return "not-text"
    return None


def scrub(text: str, max_chars: int) -> str:
    """Text nobody here can fix (an engine's status line) made storable: refused characters dropped, cut to
    `max_chars`. Line breaks and tabs stay."""
    if refused_characters(text) is not None:
        text = "".join(c for c in text if character_kind(c) is None)
    return text[:max_chars]


def prompt_rule(kind: GenerationKind, max_chars: int = MAX_PROMPT_CHARS) -> TextRule:
    what = {GenerationKind.TEXT_TO_IMAGE: "prompt", GenerationKind.EDIT: "instruction"}.get(kind, "description")
    article = "an" if what == "instruction" else "a"
    return TextRule(what, max_chars, f"Write {article} {what} first.", multiline=True)


def collection_name_rule(max_chars: int = COLLECTION_NAME_COLUMN) -> TextRule:
    return TextRule("collection name", max_chars, "Give the collection a name.")


def display_name_rule(max_chars: int = 80) -> TextRule:
    return TextRule("name", max_chars, f"Enter a name of 1 to {max_chars} characters.")


def reason_rule(max_chars: int = REASON_COLUMN) -> TextRule:
    return TextRule(
        "reason", max_chars, f"Give a reason of 3 to {max_chars} characters; the user sees it.", min_chars=3
    )


def request_rule(max_chars: int = REQUEST_CHARS) -> TextRule:
    """What a user asks in a privacy request (a correction of something they cannot edit themselves)."""
    return TextRule(
        "request",
        max_chars,
        "Say what is wrong and what it should be, in a few words at least.",
        multiline=True,
        min_chars=5,
    )


def answer_rule(max_chars: int = REQUEST_CHARS) -> TextRule:
    """An admin's answer to a privacy request: the user reads it in their privacy centre."""
    return TextRule("answer", max_chars, "Write the answer the user will read.", multiline=True, min_chars=2)


EMAIL = TextRule("email address", EMAIL_CHARS, "Enter an email address like name@example.com.")
# What the sign-in provider says about a person: the user cannot edit it, so a refusal has its own words.
PROVIDER_NAME = TextRule("name from your sign-in provider", DISPLAY_NAME_COLUMN, "")
PROVIDER_IDENTITY = TextRule("identity from your sign-in provider", 300, "")
