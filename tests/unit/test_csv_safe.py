"""CSV that opens safely in a spreadsheet: a cell that looks like a formula is shown as text, and
everything else reads back exactly as it was written."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.csv_safe import neutralise, to_csv

BOM = b"\xef\xbb\xbf"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # OWASP's list, written out here rather than imported
PROPERTY = settings(derandomize=True, database=None, deadline=None)
# Any text, with the characters that matter to CSV and to spreadsheets drawn often.
TRICKY = st.text(st.one_of(st.sampled_from("=+-@\t\r\n\",;'\\ \ufeff0"), st.characters(exclude_categories=["Cs"])))


def read_back(data: bytes) -> list[list[str]]:
    assert data.startswith(BOM)
    return list(csv.reader(io.StringIO(data[len(BOM) :].decode("utf-8"), newline="")))


def shown_as(text: str) -> str:
    """What a spreadsheet should show: the text itself, after an apostrophe when it would start a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@pytest.mark.parametrize(
    "cell", ['=HYPERLINK("http://evil","x")', "=1+2", "+1", "-2", "@x", "@SUM(A1)", "\t=1", "\r=1", "=", "-"]
)
def test_a_cell_a_spreadsheet_would_run_as_a_formula_gets_an_apostrophe(cell: str) -> None:
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize(
    "cell", ["", "plain", "a=b", " =1", "'=1", "1+1", "user:12", '{"reason": "=1"}', "\n=1", "é=1", "＝1"]
)
def test_ordinary_text_is_left_as_it_is(cell: str) -> None:
    assert neutralise(cell) == cell


@pytest.mark.parametrize(
    "value, expected", [(-5, "-5"), (0, "0"), (12, "12"), (-0.5, "-0.5"), (2.5, "2.5"), (None, "")]
)
def test_numbers_stay_numbers_and_nothing_is_an_empty_cell(value: object, expected: str) -> None:
    assert neutralise(value) == expected


def test_an_export_starts_with_a_bom_and_its_header_and_ends_lines_as_excel_expects() -> None:
    data = to_csv(("time_utc", "actor", "amount"), [["2026-03-01 12:00:00", "-2@example.com", -5], ["x", "é", 3]])

    assert data.startswith(BOM)
    assert data[len(BOM) :].decode("utf-8").split("\r\n") == [
        "time_utc,actor,amount",
        "2026-03-01 12:00:00,'-2@example.com,-5",
        "x,é,3",
        "",
    ]


def test_an_export_with_no_rows_is_just_the_header() -> None:
    assert read_back(to_csv(("a", "b"), [])) == [["a", "b"]]


@PROPERTY
@given(TRICKY)
def test_any_text_reads_back_as_itself_or_with_an_apostrophe_exactly_when_it_would_start_a_formula(
    text: str,
) -> None:
    assert neutralise(text) == shown_as(text)
    assert read_back(to_csv(["cell"], [[text]])) == [["cell"], [shown_as(text)]]


@PROPERTY
@given(st.integers() | st.floats(allow_nan=False, allow_infinity=False))
def test_any_number_is_written_as_a_number(number: int | float) -> None:
    assert neutralise(number) == str(number)
    assert float(read_back(to_csv(["n"], [[number]]))[1][0]) == number


@PROPERTY
@given(st.lists(st.tuples(TRICKY, TRICKY, st.integers(-(10**6), 10**6)), max_size=6))
def test_an_export_of_any_rows_reads_back_cell_for_cell(rows: list[tuple[str, str, int]]) -> None:
    data = to_csv(("actor", "details", "amount"), rows)

    assert read_back(data) == [["actor", "details", "amount"]] + [
        [shown_as(actor), shown_as(details), str(amount)] for actor, details, amount in rows
    ]
