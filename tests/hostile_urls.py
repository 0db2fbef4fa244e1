"""What a hand-edited URL may put in any query parameter: shared by the parser's property and the pages' test."""

from __future__ import annotations

INT4_MAX = 2_147_483_647  # the largest id a 4-byte INTEGER column holds on PostgreSQL

HOSTILE_VALUES: tuple[str, ...] = (
    str(INT4_MAX + 1),  # one past a 4-byte id: NumericValueOutOfRange on PostgreSQL
    "99999999999999999999",  # past SQLite's 8-byte integer: OverflowError
    "9" * 5000,  # past int()'s digit limit
    "-1",
    "0",
    "+1",
    " 1",
    "1.0",
    "1e3",
    "0x1F",
    "²",  # isdigit() says yes, int() says no
    "١",  # Arabic-Indic one: int() reads it as 1
    "１",  # fullwidth one
    "9999-12-31",  # the last day there is: the day after it overflows
    "0000-01-01",
    "10000-01-01",
    "2024-02-30",
    "2024-13-01",
    "2024-1-1",
    "２０２４-０１-０１",
    "2024-W01-1",  # ISO week date: date.fromisoformat reads it
    "2024/01/01",
    "",
    ",",
    "x,,²,-1,0",
    "\x00",
    "%00",
    "a\x00b",
    "\n",
    "' OR 1=1 --",
    '1"); DROP TABLE images; --',
    "😀",
    "\u202e1",  # right-to-left override
    "1\u200b",  # zero-width space
    "<script>alert(1)</script>",
    "**bold** [link](https://example.com)",
    "x" * 10_000,
    "NEWEST",
    "true",
)
