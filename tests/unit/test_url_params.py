"""The one reader of every page's query parameters: any string gives a value in its column's range or nothing,
never an exception; what it keeps survives being written and read again; the probe's values are left out."""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from core.adapters.stripe_payments import RETURN_PARAM
from core.domain import url_params
from core.domain.gallery import GalleryQuery
from core.domain.url_params import (
    DATE_TO,
    FIRST_DAY,
    IMAGE,
    INT4_MAX,
    LAST_DAY,
    SIGN_IN,
    Choice,
    Choices,
    Day,
    Flag,
    Id,
    IdList,
    NumberChoice,
    Param,
    Text,
    TextList,
    Token,
    from_params,
    to_params,
)
from core.web.session_routes import FAILED
from tests.hostile_urls import HOSTILE_VALUES

DECLARED: list[Param[Any]] = [p for p in vars(url_params).values() if isinstance(p, Param)]
NAMES = [p.name for p in DECLARED]
# Any text at all (surrogates too), the shared hostile values, and strings shaped like what the reader wants.
raw = (
    st.text(st.characters(exclude_categories=()))
    | st.sampled_from(HOSTILE_VALUES)
    | st.from_regex(r"\A[0-9]{1,12}\Z")
    | st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
    | st.lists(st.from_regex(r"\A[0-9 ]{0,11}\Z") | st.sampled_from(("16:9", "edit", "upload", " 1:1 "))).map(",".join)
)


def in_range(param: Param[Any], value: Any) -> bool:
    """Whether a value the reader gave is one its parameter allows: the column's range, the set, the bounds."""
    match param:
        case Id():
            return type(value) is int and 1 <= value <= INT4_MAX
        case IdList(max_items=most):
            return 0 < len(value) <= most and len(set(value)) == len(value) and all(in_id(i) for i in value)
        case NumberChoice(choices=choices) | Choice(choices=choices):
            return value in choices
        case Choices(choices=choices, max_items=most):
            return 0 < len(value) <= most and len(set(value)) == len(value) and set(value) <= set(choices)
        case Flag():
            return value is True
        case Day():
            return FIRST_DAY <= value <= LAST_DAY and value + timedelta(days=1) > value  # the day after exists
        case Text(max_chars=most):
            return printable(value, most)
        case TextList(max_items=most_items, max_chars=most):
            unique = len(set(value)) == len(value)
            return 0 < len(value) <= most_items and unique and all(printable(v, most) and "," not in v for v in value)
        case Token(max_chars=most, pattern=pattern):
            return 0 < len(value) <= most and value.isascii() and pattern.fullmatch(value) is not None
    raise AssertionError(f"no range check for {type(param).__name__}")


def in_id(value: int) -> bool:
    return type(value) is int and 1 <= value <= INT4_MAX


def printable(text: str, most: int) -> bool:
    kept = 0 < len(text) <= most and text == text.strip()
    # As in stored text: no control, format (but an emoji's joiner, U+200D), surrogate or private-use character.
    # An unassigned one may be a character newer than this Python's Unicode tables, so it is kept.
    refused = {"Cc", "Cf", "Cs", "Co"}
    return kept and not any(unicodedata.category(c) in refused for c in text.replace("\u200d", ""))


def test_every_parameter_is_declared_once() -> None:
    assert len(NAMES) == len(set(NAMES)) and len(DECLARED) >= 20


@pytest.mark.parametrize("param", DECLARED, ids=NAMES)
@given(text=raw)
@example(text="2147483648")
@example(text="99999999999999999999")
@example(text="9999-12-31")
def test_any_string_gives_a_value_in_range_or_nothing(param: Param[Any], text: str) -> None:
    value = param.parse(text)  # never raises
    if value is None:
        assert param.write(None) == {}
        return
    assert in_range(param, value), (param.name, value)
    assert param.parse(param.format(value)) == value  # what it keeps survives a trip through the URL
    assert param.write(value) == {param.name: param.format(value)}


@given(st.dictionaries(st.sampled_from(NAMES) | st.text(max_size=8), raw, max_size=len(NAMES) + 3))
def test_any_url_reads_as_a_gallery_query_that_round_trips(params: dict[str, str]) -> None:
    query = from_params(params)
    assert from_params(to_params(query)) == query
    f = query.filter
    assert all(in_id(i) for i in (*f.image_ids, f.collection or 1, query.cursor or 1))
    for day in (f.date_from, f.date_to):
        assert day is None or FIRST_DAY <= day <= LAST_DAY
    for param in DECLARED:  # every page's parameters read from the same mapping
        assert param.read(params) is None or in_range(param, param.read(params))


@pytest.mark.parametrize("value", HOSTILE_VALUES, ids=range(len(HOSTILE_VALUES)))
def test_no_id_day_choice_or_flag_reads_a_hostile_value(value: str) -> None:
    typed = [p for p in DECLARED if not isinstance(p, Text | TextList | Token)]
    assert [p.name for p in typed if p.parse(value) is not None] == []


@pytest.mark.parametrize(
    "value",
    [str(INT4_MAX + 1), "99999999999999999999", "²", "١", "１", "0", "-1", "+1", " 1", "1 ", "1\n", "0x1F"],
)
def test_an_id_is_ascii_digits_within_a_four_byte_column(value: str) -> None:
    assert IMAGE.parse(value) is None
    assert IMAGE.parse(str(INT4_MAX)) == INT4_MAX and IMAGE.parse("0042") == 42


def test_a_day_is_read_only_where_the_day_after_it_exists() -> None:
    assert DATE_TO.parse("9999-12-31") is None and DATE_TO.parse("9999-12-30") == LAST_DAY
    assert DATE_TO.parse("0001-01-01") == FIRST_DAY == date.min
    for bad in (
        "2024-02-30",
        "2024-13-01",
        "0000-01-01",
        "2024-W01-1",
        "2024/01/01",
        "２０２４-０１-０１",
        "2024-01-01\n",
    ):
        assert DATE_TO.parse(bad) is None


def test_a_search_is_kept_as_text_cut_to_its_length_and_left_out_with_a_control_character() -> None:
    search = url_params.SEARCH
    assert search.parse("  <script>alert(1)</script> ") == "<script>alert(1)</script>"
    assert search.parse("x" * 10_000) == "x" * 200
    assert [search.parse(v) for v in ("a\x00b", "\u202e1", "1\u200b", "\n", "", "a\u200db")] == [None] * 6


def test_a_search_keeps_what_a_prompt_can_hold_so_it_can_find_it() -> None:
    search = url_params.SEARCH
    assert search.parse("coder 👩\u200d💻 at night") == "coder 👩\u200d💻 at night"  # an emoji sequence, joined
    assert search.parse("cafe\u0301") == "caf\u00e9"  # stored prompts are NFC, so the search is too


def test_the_plain_gallery_has_a_plain_url_and_the_writer_leaves_out_what_the_reader_would() -> None:
    assert to_params(GalleryQuery()) == {}
    assert IMAGE.write(0) == {} and IMAGE.write(INT4_MAX + 1) == {} and IMAGE.write(7) == {"image": "7"}
    assert url_params.SEARCH.write("a\x00b") == {} and url_params.VIEW.write("grid") == {}


def test_the_links_other_code_writes_are_read_by_the_same_declarations() -> None:
    assert SIGN_IN.read(dict(parse_qsl(urlsplit(FAILED).query))) == "failed"  # the sign-in hand-off's return
    assert RETURN_PARAM == url_params.CHECKOUT.name  # Stripe fills in its session id under this name
