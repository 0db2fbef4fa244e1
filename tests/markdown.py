"""What a reader sees of markup made by escape_markdown: the inverse of the escaping, for assertions."""

from __future__ import annotations

import re

from pages.components.safe_text import ASCII_PUNCTUATION, ISOLATED

PUNCT = re.escape("".join(sorted(ASCII_PUNCTUATION)))
# escape_markdown's output, token by token: an isolating wrapper, a leading-word wrapper, an escape, a plain character.
TOKEN = re.compile(rf":color\[\\([{re.escape(''.join(ISOLATED))}])\]|:color\[([^{PUNCT}\s]+)\]|\\([{PUNCT}])|(.)", re.S)
WRAPPER_GROUPS = (1, 2)


def unescape(markup: str) -> str:
    """Undo escape_markdown: drop the added backslashes and unwrap each :color[...] wrapper."""
    return "".join(next(group for group in match.groups() if group is not None) for match in TOKEN.finditer(markup))
