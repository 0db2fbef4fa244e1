"""Cards and tables drawn as HTML (pages/components/cards.py): what people typed is shown as text, never as markup,
and changes are written as balances are."""

from __future__ import annotations

from pages.components.cards import Card, Link, Picture, cards_html, signed, table_html

HOSTILE = '<img src=x onerror="alert(1)">"&'


def test_changes_are_written_with_a_sign_and_thousands_separators() -> None:
    assert [signed(n) for n in (3000, -40, 0, -1_234_567)] == ["+3,000", "\u221240", "0", "\u22121,234,567"]


def test_a_card_shows_typed_text_as_text_and_keeps_its_link_a_link() -> None:
    card = Card(headline=HOSTILE, lead=HOSTILE, fields=(("Prompt", HOSTILE),), links=(("Open", '/x?a="b"'),))
    drawn = cards_html([card], HOSTILE)
    assert "<img" not in drawn  # no tag is made of what was typed
    assert drawn.count("&lt;img src=x onerror=") == 4  # the list's name, the headline, the lead, the field
    assert '<a href="/x?a=&quot;b&quot;">Open</a>' in drawn


def test_a_table_escapes_its_cells_and_draws_pictures_with_their_alt_text() -> None:
    drawn = table_html(
        "Lines",
        ("What", "Change"),
        [((HOSTILE, "second"), "+3"), (Picture("/p", HOSTILE), Link("Go", "/g"))],
        numeric=(1,),
    )
    assert "<caption>Lines</caption>" in drawn and '<th scope="col" class="atelier-num">Change</th>' in drawn
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&quot;&amp;<br>second" not in drawn  # quotes kept in text
    assert '&lt;img src=x onerror="alert(1)"&gt;"&amp;<br>second' in drawn
    assert '<img src="/p" alt="&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&quot;&amp;"' in drawn
    assert '<a href="/g">Go</a>' in drawn
