"""escape_markdown without a browser: the exact markup for each attack, and properties that hold for any text.

The browser check of the same rule is tests/e2e/test_markdown_escaping.py.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from pages.components.safe_text import ASCII_PUNCTUATION, escape_markdown
from tests.markdown import TOKEN, WRAPPER_GROUPS, unescape

# The rewrites Streamlit 1.67 applies to text nodes after escapes are resolved (GFM autolink literals,
# :shortcodes: for emoji, Material icons and the logo, and the arrows), as found in its StreamlitMarkdown bundle.
TEXT_REWRITES = (
    re.compile(r"(https?://|www(?=\.))[-.\w]+", re.I),
    re.compile(r"[-.\w+]+@[-\w]+(\.[-\w]+)+"),
    re.compile(r":[\w+-]+:"),
    re.compile(r"(^|\s)(<->|->|<-|--|>=|<=|~=)(\s|$)"),
)

# Text that reaches markdown syntax often: punctuation, line breaks, URL and shortcode pieces, emoji, digits.
PIECES = [*ASCII_PUNCTUATION, " ", "  ", "\n", "\r\n", "\t", "http", "www", "material_", "a", "7"]
PIECES += ["😀", "1️⃣", "é", "日", "\u00a0", "\u200b"]
MARKDOWNY = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)
ANY_TEXT = st.text() | MARKDOWNY


def shown(text: str) -> str:
    """The characters the reader sees: each run of HTML-collapsible whitespace becomes one space."""
    return re.sub(r"[ \t\n\r\f]+", " ", text)


def text_nodes(markup: str) -> list[str]:
    """The text nodes the renderer builds: escapes resolve in place, and each wrapper is a node of its own."""
    nodes, current = [], ""
    for match in TOKEN.finditer(markup):
        wrapped = next((match.group(g) for g in WRAPPER_GROUPS if match.group(g) is not None), None)
        if wrapped is None:
            current += match.group(3) or match.group(4)
            continue
        nodes += [current, wrapped]
        current = ""
    return [*nodes, current]


@pytest.mark.parametrize(
    ("text", "markup"),
    [
        ("plain words", "plain words"),
        ("", ""),
        ("**bold** _em_ ~~del~~ `code`", r"\*\*bold\*\* \_em\_ \~\~del\~\~ \`code\`"),
        ("![a](x)", r"\!\[a\]\(x\)"),
        ("<b>&amp;</b>", r"\<b\>\&amp\;\<\/b\>"),
        ("# h", r"\# h"),
        ("1. item", r"1:color[\.] item"),
        ("> quote | cell", r"\> quote \| cell"),
        ("$x$", r"\$x\$"),
        ("back\\slash", r"back\\slash"),
        (":red[x]", r":color[\:]red\[x\]"),
        ("a@b.co", r"a:color[\@]b:color[\.]co"),
        ("www.evil.example", r"www:color[\.]evil:color[\.]example"),
        ("a -> b", r"a :color[\-]\> b"),
        ("two\nlines  and\ttab", "two lines and tab"),
        ("😀 hi", ":color[😀] hi"),
        ("  日本 x", " :color[日本] x"),
    ],
)
def test_each_markdown_construct_becomes_literal_markup(text: str, markup: str) -> None:
    assert escape_markdown(text) == markup


@given(ANY_TEXT)
@example("![a](http://127.0.0.1:9999/p.png)@x.com")
@example("\\:color[\\:]")
def test_escaping_loses_no_character_but_collapses_whitespace(text: str) -> None:
    assert unescape(escape_markdown(text)) == shown(text)


@given(ANY_TEXT)
def test_escaping_is_stable_under_what_the_reader_sees(text: str) -> None:
    """Escaping depends only on the shown text, and re-escaping what is shown reproduces the same markup."""
    markup = escape_markdown(text)
    assert escape_markdown(shown(text)) == markup
    assert escape_markdown(unescape(markup)) == markup


@given(ANY_TEXT)
def test_escaping_twice_shows_the_escaped_markup_literally(text: str) -> None:
    once = escape_markdown(text)
    assert unescape(escape_markdown(once)) == once


@given(ANY_TEXT)
def test_the_markup_is_one_line_with_every_punctuation_character_escaped_or_wrapped(text: str) -> None:
    markup = escape_markdown(text)
    assert not re.search(r"[\n\r\t\f]| {2}", markup)
    for match in TOKEN.finditer(markup):
        assert match.group(4) is None or match.group(4) not in ASCII_PUNCTUATION, markup


@given(ANY_TEXT)
@example("see http://x.example, www.y.example, a@b.co :material_home: :streamlit: :smile: a -> b >= c")
def test_no_text_node_holds_a_pattern_that_streamlit_rewrites(text: str) -> None:
    for node in text_nodes(escape_markdown(text)):
        assert not any(rewrite.search(node) for rewrite in TEXT_REWRITES), node


@given(st.sampled_from(["😀", "1️⃣", "🇫🇷", "👩‍💻", "©️"]), st.text(max_size=5))
def test_a_leading_emoji_is_wrapped_so_alerts_keep_it_in_the_text(emoji: str, rest: str) -> None:
    assert escape_markdown(emoji + " " + rest).startswith(f":color[{emoji}]")
