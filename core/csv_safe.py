"""CSV that spreadsheets open safely: UTF-8 with a BOM, and no cell that a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import IO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def neutralise(value: object) -> str:
    """A cell starting with = + - @ tab or CR gets a leading apostrophe, so Excel and Sheets show it as text."""
    if isinstance(value, int | float):  # numbers are numbers: -5 stays a number, not text
        return str(value)
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class CsvWriter:
    """Writes a safe CSV row by row to a binary file (an export's temporary file): the BOM and the header
    first, so a file of any length is written without holding it in memory."""

    def __init__(self, out: IO[bytes], header: Sequence[str]) -> None:
        self._out = out
        self._line = io.StringIO()
        self._writer = csv.writer(self._line, lineterminator="\r\n")
        self._out.write(BOM.encode("utf-8"))
        self._emit(header)

    def writerow(self, row: Sequence[object]) -> None:
        self._emit([neutralise(cell) for cell in row])

    def _emit(self, cells: Sequence[str]) -> None:
        self._writer.writerow(cells)
        self._out.write(self._line.getvalue().encode("utf-8"))
        self._line.seek(0)
        self._line.truncate()


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    buffer = io.BytesIO()
    writer = CsvWriter(buffer, header)
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue()
