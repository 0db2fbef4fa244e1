"""Escape user text for Streamlit markdown, so it shows as its literal characters: never a link, image, style or icon."""

from __future__ import annotations

import re

# CommonMark lets a backslash escape exactly these characters, and every markdown construct (emphasis, links, images,
# <autolinks>, raw HTML, &entities;, code, headings, lists, quotes, tables, $math$, :directives[]) starts with one.
ASCII_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")

# Streamlit also rewrites text *after* escapes are resolved, so a backslash cannot stop these rewrites:
# GFM bare-URL and e-mail autolinks (http://, www., a@b.co), :material_icon:, :streamlit: and emoji shortcodes,
# and " -> ", " <= " and the other arrows. Each rewrite needs one of these characters in the same text node as
# its neighbours, so each one is given its own node: `:color[...]` without colours renders as a bare <span>.
ISOLATED = frozenset(":.@-=")

# The whitespace HTML collapses when it renders these elements; a line break in markdown is where block syntax starts.
_WHITESPACE_RUN = re.compile(r"[ \t\n\r\f]+")
# st.error/warning/info/success move a leading emoji into their icon slot; a leading wrapper keeps it in the text.
_LEADING_WORD = re.compile(r" ?([^\s!-/:-@\[-`{-~]+)")


def escape_markdown(text: str) -> str:
    """Markdown that Streamlit renders as `text` itself, on one line: each run of whitespace shows as one space."""
    flat = _WHITESPACE_RUN.sub(" ", text)
    prefix, rest = "", flat
    leading = _LEADING_WORD.match(flat)
    if leading and not leading.group(1).isascii():
        prefix, rest = flat[: leading.start(1)] + f":color[{leading.group(1)}]", flat[leading.end(1) :]
    return prefix + "".join(_escape_char(char) for char in rest)


def _escape_char(char: str) -> str:
    if char in ISOLATED:
        return f":color[\\{char}]"
    if char in ASCII_PUNCTUATION:
        return "\\" + char
    return char
